import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { OperatorId } from "../../src/domain/Ids.js"
import { forEachDatabase } from "../support/Databases.js"
import { Client, sendRaw, TestApp, unique } from "../support/TestApp.js"

forEachDatabase((db) => layer(TestApp(db))(`operators on ${db.name}`, (it) => {
  it.effect("creates an operator with the documented defaults and trims the name", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const name = unique("Anna")
      const response = yield* sendRaw("POST", "/operators", JSON.stringify({ name: `  ${name} ` }))
      expect(response.status).toBe(201)
      const { id } = Schema.decodeUnknownSync(Schema.Struct({ id: OperatorId }))(response.body)
      const created = yield* client.operators.get({ path: { id } })
      expect(created).toMatchObject({ name, is_active: true, max_load: 10, load: 0 })
      expect(Date.parse(created.created_at)).not.toBeNaN()
      expect(response.body).toEqual(JSON.parse(JSON.stringify(created)))
    }))

  it.effect("answers 201 with the operator", () =>
    Effect.gen(function* () {
      const response = yield* sendRaw("POST", "/operators", JSON.stringify({ name: unique("Raw"), max_load: 0 }))
      expect(response.status).toBe(201)
      expect(response.body).toMatchObject({ max_load: 0, is_active: true })
    }))

  it.effect("refuses a second operator whose name differs only in case or spaces (409)", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const name = unique("Boris")
      yield* client.operators.create({ payload: { name } })
      const error = yield* client.operators.create({ payload: { name: name.toUpperCase() } }).pipe(Effect.flip)
      expect(error._tag).toBe("NameTaken")
      expect(error.message).toContain("already exists")
      const spaced = yield* sendRaw("POST", "/operators", JSON.stringify({ name: ` ${name} ` }))
      expect(spaced.status).toBe(409)
      expect(spaced.body).toMatchObject({ _tag: "NameTaken", message: expect.any(String) })
    }))

  it.effect("lists operators ordered by id, filtered by is_active", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const on = yield* client.operators.create({ payload: { name: unique("On") } })
      const off = yield* client.operators.create({ payload: { name: unique("Off"), is_active: false } })
      const all = yield* client.operators.list({ urlParams: {} })
      const ids = all.map((o) => o.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(ids).toEqual(expect.arrayContaining([on.id, off.id]))
      const inactive = yield* client.operators.list({ urlParams: { is_active: false } })
      expect(inactive.every((o) => !o.is_active)).toBe(true)
      expect(inactive.map((o) => o.id)).toContain(off.id)
      expect(inactive.map((o) => o.id)).not.toContain(on.id)
    }))

  it.effect("answers 404 OperatorNotFound for an unknown id, on get and on patch", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const id = OperatorId.make(999_999)
      const got = yield* client.operators.get({ path: { id } }).pipe(Effect.flip)
      expect(got).toMatchObject({ _tag: "OperatorNotFound", operator_id: 999_999 })
      const patched = yield* client.operators.update({ path: { id }, payload: { max_load: 1 } }).pipe(Effect.flip)
      expect(patched._tag).toBe("OperatorNotFound")
    }))

  it.effect("patches any of name, max_load and is_active, leaving the rest", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const created = yield* client.operators.create({ payload: { name: unique("Vera"), max_load: 3 } })
      const renamed = unique("Vera B")
      const patched = yield* client.operators.update({
        path: { id: created.id },
        payload: { name: renamed, is_active: false }
      })
      expect(patched).toMatchObject({ id: created.id, name: renamed, is_active: false, max_load: 3 })
      const unchanged = yield* client.operators.update({ path: { id: created.id }, payload: {} })
      expect(unchanged).toEqual(patched)
    }))

  it.effect("refuses a rename onto another operator's name (409)", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const first = yield* client.operators.create({ payload: { name: unique("Gleb") } })
      const second = yield* client.operators.create({ payload: { name: unique("Dina") } })
      const error = yield* client.operators.update({ path: { id: second.id }, payload: { name: first.name.toLowerCase() } })
        .pipe(Effect.flip)
      expect(error._tag).toBe("NameTaken")
      // Renaming to its own name in another case is not a conflict.
      const self = yield* client.operators.update({ path: { id: first.id }, payload: { name: first.name.toUpperCase() } })
      expect(self.name).toBe(first.name.toUpperCase())
    }))

  describe("bad input is a 400 with _tag and message", () => {
    const cases: ReadonlyArray<[string, "POST" | "PATCH", string, unknown]> = [
      ["empty name", "POST", "/operators", { name: "   " }],
      ["name over 200 characters", "POST", "/operators", { name: "x".repeat(201) }],
      ["negative max_load", "POST", "/operators", { name: "n", max_load: -1 }],
      ["fractional max_load", "POST", "/operators", { name: "n", max_load: 1.5 }],
      ["max_load over 1,000,000", "POST", "/operators", { name: "n", max_load: 1_000_001 }],
      ["is_active as a string", "POST", "/operators", { name: "n", is_active: "yes" }],
      ["an unknown field", "POST", "/operators", { name: "n", max_lod: 3 }],
      ["a non-numeric id", "PATCH", "/operators/abc", { max_load: 1 }],
      ["a null name in a patch", "PATCH", "/operators/1", { name: null }]
    ]
    for (const [label, method, path, body] of cases) {
      it.effect(label, () =>
        Effect.gen(function* () {
          const response = yield* sendRaw(method, path, JSON.stringify(body))
          expect(response.status).toBe(400)
          expect(response.body).toMatchObject({ _tag: "HttpApiDecodeError", message: expect.any(String) })
        }))
    }
  })
}))
