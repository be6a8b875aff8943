import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { OperatorId, SourceId } from "../../src/domain/Ids.js"
import { Source } from "../../src/domain/Source.js"
import { forEachDatabase } from "../support/Databases.js"
import { Client, countRows, sendRaw, TestApp, unique } from "../support/TestApp.js"

const UNKNOWN_SOURCE = SourceId.make(2_000_000_000)
const UNKNOWN_OPERATOR = OperatorId.make(2_000_000_000)

/** A new source and `n` new operators, none linked yet. */
const sourceWithOperators = (n: number) =>
  Effect.gen(function* () {
    const client = yield* Client
    const source = yield* client.sources.create({ payload: { name: unique("source") } })
    const operators: Array<OperatorId> = []
    for (let i = 0; i < n; i++) {
      operators.push((yield* client.operators.create({ payload: { name: unique("operator") } })).id)
    }
    return { source: source.id, operators }
  })

/** The table as `[operator_id, weight]` pairs, the way the assertions read best. */
const pairs = (weights: ReadonlyArray<{ readonly operator_id: number; readonly weight: number }>) =>
  weights.map((w) => [w.operator_id, w.weight])

const tableOf = (id: SourceId) => Effect.flatMap(Client, (client) => client.sources.weights({ path: { id } }))

forEachDatabase((db) => layer(TestApp(db))(`sources on ${db.name}`, (it) => {
  it.effect("creates a source (201) with a trimmed name, null description by default, and no operators", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const name = unique("Telegram bot")
      const response = yield* sendRaw("POST", "/sources", JSON.stringify({ name: `  ${name}\t` }))
      expect(response.status).toBe(201)
      const created = Schema.decodeUnknownSync(Source)(response.body)
      expect(created).toMatchObject({ name, description: null })
      expect(Date.parse(created.created_at)).not.toBeNaN()
      const detail = yield* client.sources.get({ path: { id: created.id } })
      expect(detail).toMatchObject({ id: created.id, name, description: null, created_at: created.created_at })
      expect(detail.operators).toEqual([])
    }))

  it.effect("keeps a description as given, null when sent as null; over 2,000 characters is a 400 that writes nothing", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const described = yield* client.sources.create({ payload: { name: unique("Form"), description: " @shop_bot " } })
      // The code does not trim descriptions (only names); README: "optional, up to 2,000 characters".
      expect(described.description).toBe(" @shop_bot ")
      const nulled = yield* client.sources.create({ payload: { name: unique("Form"), description: null } })
      expect(nulled.description).toBeNull()
      const longest = yield* client.sources.create({ payload: { name: unique("Form"), description: "d".repeat(2_000) } })
      expect((yield* client.sources.get({ path: { id: longest.id } })).description).toHaveLength(2_000)

      const before = yield* countRows
      const tooLong = yield* sendRaw("POST", "/sources", JSON.stringify({ name: unique("Form"), description: "d".repeat(2_001) }))
      expect(tooLong.status).toBe(400)
      expect(tooLong.body).toMatchObject({ _tag: "HttpApiDecodeError", message: expect.any(String) })
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("refuses a name another source has in any case or spacing (409 NameTaken), writing nothing", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const name = unique("Phone line")
      const first = yield* client.sources.create({ payload: { name } })
      const before = yield* countRows
      const upper = yield* client.sources.create({ payload: { name: name.toUpperCase() } }).pipe(Effect.flip)
      expect(upper).toMatchObject({ _tag: "NameTaken", message: expect.stringContaining("already exists") })
      const spaced = yield* sendRaw("POST", "/sources", JSON.stringify({ name: ` ${name.toLowerCase()} ` }))
      expect(spaced.status).toBe(409)
      expect(spaced.body).toMatchObject({ _tag: "NameTaken", message: expect.any(String) })
      expect(yield* countRows).toEqual(before)
      expect((yield* client.sources.get({ path: { id: first.id } })).name).toBe(name)
    }))

  it.effect("allows a source to share a name with an operator: names are unique within their kind", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const name = unique("Shared")
      yield* client.operators.create({ payload: { name } })
      const source = yield* client.sources.create({ payload: { name } })
      expect(source.name).toBe(name)
    }))

  it.effect("lists every source ordered by id, each as created", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const created = [
        yield* client.sources.create({ payload: { name: unique("List") } }),
        yield* client.sources.create({ payload: { name: unique("List"), description: "second" } }),
        yield* client.sources.create({ payload: { name: unique("List") } })
      ]
      const listed = yield* client.sources.list()
      const ids = listed.map((s) => s.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(new Set(ids).size).toBe(ids.length)
      for (const source of created) expect(listed).toContainEqual(source)
    }))

  it.effect("shows a source with its weights ordered by operator id, with the operators' current names", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators: [a, b] } = yield* sourceWithOperators(2)
      yield* client.sources.replaceWeights({
        path: { id: source },
        payload: { weights: [{ operator_id: b!, weight: 7 }, { operator_id: a!, weight: 3 }] }
      })
      const renamed = unique("renamed")
      yield* client.operators.update({ path: { id: a! }, payload: { name: renamed } })
      const detail = yield* client.sources.get({ path: { id: source } })
      const nameOfB = (yield* client.operators.get({ path: { id: b! } })).name
      expect(detail.operators).toEqual([
        { operator_id: a, operator_name: renamed, weight: 3 },
        { operator_id: b, operator_name: nameOfB, weight: 7 }
      ])
      expect(detail.operators).toEqual(yield* tableOf(source))
    }))

  it.effect("answers 404 SourceNotFound for an unknown source on get and on each weights endpoint, writing nothing", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { operators: [a] } = yield* sourceWithOperators(1)
      const path = { id: UNKNOWN_SOURCE }
      const payload = { weights: [{ operator_id: a!, weight: 1 }] }
      const before = yield* countRows
      const failures = [
        yield* client.sources.get({ path }).pipe(Effect.flip),
        yield* client.sources.weights({ path }).pipe(Effect.flip),
        yield* client.sources.upsertWeights({ path, payload }).pipe(Effect.flip),
        yield* client.sources.replaceWeights({ path, payload }).pipe(Effect.flip),
        // An unknown source is reported first even when the body names an unknown operator too.
        yield* client.sources.upsertWeights({ path, payload: { weights: [{ operator_id: UNKNOWN_OPERATOR, weight: 1 }] } })
          .pipe(Effect.flip)
      ]
      for (const failure of failures) {
        expect(failure).toMatchObject({ _tag: "SourceNotFound", source_id: UNKNOWN_SOURCE, message: expect.any(String) })
      }
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("POST upserts the given rows, removes those with weight 0, and returns the whole table", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators: [a, b, c] } = yield* sourceWithOperators(3)
      const upsert = (weights: ReadonlyArray<{ operator_id: OperatorId; weight: number }>) =>
        client.sources.upsertWeights({ path: { id: source }, payload: { weights } })

      expect(pairs(yield* upsert([{ operator_id: a!, weight: 1 }, { operator_id: b!, weight: 2 }])))
        .toEqual([[a, 1], [b, 2]])
      // Rows not named are kept; a named row is updated; a new one is added.
      expect(pairs(yield* upsert([{ operator_id: c!, weight: 3 }, { operator_id: b!, weight: 5 }])))
        .toEqual([[a, 1], [b, 5], [c, 3]])
      const afterRemoval = yield* upsert([{ operator_id: a!, weight: 0 }])
      expect(pairs(afterRemoval)).toEqual([[b, 5], [c, 3]])
      expect(afterRemoval[0]).toMatchObject({ operator_id: b, operator_name: expect.any(String) })
      // Removing a row that is not there, or sending nothing, changes nothing.
      expect(pairs(yield* upsert([{ operator_id: a!, weight: 0 }]))).toEqual([[b, 5], [c, 3]])
      expect(pairs(yield* upsert([]))).toEqual([[b, 5], [c, 3]])
      expect(pairs(yield* tableOf(source))).toEqual([[b, 5], [c, 3]])
      expect(pairs((yield* client.sources.get({ path: { id: source } })).operators)).toEqual([[b, 5], [c, 3]])
    }))

  it.effect("PUT replaces the whole table; an empty list clears it; weight 0 leaves the operator out", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators: [a, b, c] } = yield* sourceWithOperators(3)
      const replace = (weights: ReadonlyArray<{ operator_id: OperatorId; weight: number }>) =>
        client.sources.replaceWeights({ path: { id: source }, payload: { weights } })

      expect(pairs(yield* replace([{ operator_id: a!, weight: 1 }, { operator_id: b!, weight: 2 }])))
        .toEqual([[a, 1], [b, 2]])
      expect(pairs(yield* replace([{ operator_id: c!, weight: 4 }, { operator_id: a!, weight: 0 }])))
        .toEqual([[c, 4]])
      expect(pairs(yield* tableOf(source))).toEqual([[c, 4]])
      expect(yield* replace([])).toEqual([])
      expect(yield* tableOf(source)).toEqual([])
      expect((yield* client.sources.get({ path: { id: source } })).operators).toEqual([])
    }))

  it.effect("GET weights returns the table and only that source's rows", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators: [a, b] } = yield* sourceWithOperators(2)
      const other = yield* client.sources.create({ payload: { name: unique("other") } })
      yield* client.sources.replaceWeights({ path: { id: other.id }, payload: { weights: [{ operator_id: b!, weight: 9 }] } })
      expect(yield* tableOf(source)).toEqual([])
      yield* client.sources.replaceWeights({ path: { id: source }, payload: { weights: [{ operator_id: a!, weight: 4 }] } })
      const nameOfA = (yield* client.operators.get({ path: { id: a! } })).name
      expect(yield* tableOf(source)).toEqual([{ operator_id: a, operator_name: nameOfA, weight: 4 }])
      expect(pairs(yield* tableOf(other.id))).toEqual([[b, 9]])
    }))

  it.effect("an unknown operator_id in the body is a 404 OperatorNotFound and nothing of the body is applied", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators: [a, b] } = yield* sourceWithOperators(2)
      yield* client.sources.replaceWeights({ path: { id: source }, payload: { weights: [{ operator_id: a!, weight: 1 }] } })
      const before = yield* countRows
      const mixed = {
        weights: [{ operator_id: a!, weight: 0 }, { operator_id: b!, weight: 6 }, { operator_id: UNKNOWN_OPERATOR, weight: 2 }]
      }
      const attempts = [
        client.sources.upsertWeights({ path: { id: source }, payload: mixed }),
        client.sources.replaceWeights({ path: { id: source }, payload: mixed }),
        // Naming an unknown operator only to remove it is still a reference to an unknown id.
        client.sources.upsertWeights({ path: { id: source }, payload: { weights: [{ operator_id: UNKNOWN_OPERATOR, weight: 0 }] } })
      ]
      for (const attempt of attempts) {
        const failure = yield* Effect.flip(attempt)
        expect(failure).toMatchObject({ _tag: "OperatorNotFound", operator_id: UNKNOWN_OPERATOR, message: expect.any(String) })
        expect(pairs(yield* tableOf(source))).toEqual([[a, 1]])
      }
      const raw = yield* sendRaw("PUT", `/sources/${source}/operators`, JSON.stringify(mixed))
      expect(raw.status).toBe(404)
      expect(raw.body).toMatchObject({ _tag: "OperatorNotFound", message: expect.any(String) })
      expect(yield* countRows).toEqual(before)
      expect(pairs(yield* tableOf(source))).toEqual([[a, 1]])
    }))
}))
