import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { forEachDatabase, labelOf } from "../support/Databases.js"
import { staffedSource } from "../support/Fixtures.js"
import { Client, TestApp, unique } from "../support/TestApp.js"

forEachDatabase((db) => layer(TestApp(db))(`concurrent registrations on ${labelOf(db)}`, (it) => {
  it.effect("100 at once against two operators of max_load 5 assign exactly 10", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const source = yield* client.sources.create({ payload: { name: unique("Rush") } })
      const operators = yield* Effect.all([
        client.operators.create({ payload: { name: unique("A"), max_load: 5 } }),
        client.operators.create({ payload: { name: unique("B"), max_load: 5 } })
      ])
      yield* client.sources.replaceWeights({
        path: { id: source.id },
        payload: { weights: operators.map((o, i) => ({ operator_id: o.id, weight: i + 1 })) }
      })

      const contacts = yield* Effect.all(
        Array.from({ length: 100 }, (_, i) =>
          client.contacts.register({ headers: {}, payload: { external_id: unique(`rush-${i}`), source_id: source.id } })),
        { concurrency: "unbounded" }
      )

      const assigned = contacts.filter((c) => c.operator_id !== null)
      expect(assigned).toHaveLength(10)
      expect(contacts.filter((c) => c.operator_id === null)).toHaveLength(90)
      for (const operator of operators) {
        const after = yield* client.operators.get({ path: { id: operator.id } })
        expect(after.load).toBe(5)
        expect(assigned.filter((c) => c.operator_id === operator.id)).toHaveLength(5)
      }
      const page = yield* client.contacts.list({ urlParams: { source_id: source.id, assigned: false, limit: 500 } })
      expect(page.items).toHaveLength(90)
    }))

  it.effect("statistics and a lead read during registrations are each one consistent moment", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source, operators } = yield* staffedSource([1, 1, 1])
      const external_id = unique("returning@example.com")
      const registrations = Effect.all(
        Array.from({ length: 150 }, (_, i) =>
          client.contacts.register({ headers: {}, payload: { external_id: i % 3 === 0 ? external_id : unique("new"), source_id: source } })),
        { concurrency: 8 }
      )
      const first = yield* client.contacts.register({ headers: {}, payload: { external_id, source_id: source } })
      const reads = Effect.all(
        Array.from({ length: 60 }, () =>
          Effect.all([client.stats.operators(), client.leads.get({ path: { id: first.lead_id } })])),
        { concurrency: 4 }
      )
      const [, snapshots] = yield* Effect.all([registrations, reads], { concurrency: 2 })
      let moving = 0
      for (const [stats, lead] of snapshots) {
        for (const operator of stats.operators.filter((o) => operators.includes(o.operator_id))) {
          // The load counter and the per-source counters move in one transaction.
          expect(operator.load).toBe(operator.sources.reduce((sum, s) => sum + s.active, 0))
        }
        expect(lead.contacts).toHaveLength(lead.contacts_count)
        if (lead.contacts_count > 1 && lead.contacts_count < 51) moving++
      }
      // Some reads happened while the registrations were under way, or the test shows nothing.
      expect(moving).toBeGreaterThan(0)
    }))

  it.effect("30 simultaneous first contacts with one new external_id create one lead", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const source = yield* client.sources.create({ payload: { name: unique("Form") } })
      const externalId = unique("same-person@example.com")

      const contacts = yield* Effect.all(
        Array.from({ length: 30 }, () =>
          client.contacts.register({ headers: {}, payload: { external_id: externalId, source_id: source.id } })),
        { concurrency: "unbounded" }
      )

      expect(new Set(contacts.map((c) => c.lead_id)).size).toBe(1)
      const leads = yield* client.leads.list({ urlParams: { external_id: externalId } })
      expect(leads.items).toHaveLength(1)
      expect(leads.items[0]?.contacts_count).toBe(30)
      const lead = yield* client.leads.get({ path: { id: contacts[0]!.lead_id } })
      expect(lead.contacts).toHaveLength(30)
    }))

  it.effect("concurrent replacements of one source's weights each succeed and leave one whole table", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const source = yield* client.sources.create({ payload: { name: unique("Table") } })
      const operators = yield* Effect.all(
        Array.from({ length: 4 }, () => client.operators.create({ payload: { name: unique("W") } }))
      )
      const bodies = Array.from({ length: 20 }, (_, i) =>
        operators.slice(i % 3).map((o, j) => ({ operator_id: o.id, weight: i * 10 + j + 1 })))
      const results = yield* Effect.all(
        bodies.map((weights) => client.sources.replaceWeights({ path: { id: source.id }, payload: { weights } })),
        { concurrency: "unbounded" }
      )
      expect(results).toHaveLength(20)
      const final = (yield* client.sources.weights({ path: { id: source.id } })).map((w) => [w.operator_id, w.weight])
      expect(bodies.map((b) => b.map((w) => [w.operator_id, w.weight]))).toContainEqual(final)
    }))

  it.effect("concurrent renames to one free name: one wins, the others get 409", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const operators = yield* Effect.all(
        Array.from({ length: 8 }, () => client.operators.create({ payload: { name: unique("R") } }))
      )
      const name = unique("Wanted")
      const outcomes = yield* Effect.all(
        operators.map((o) => client.operators.update({ path: { id: o.id }, payload: { name } }).pipe(Effect.either)),
        { concurrency: "unbounded" }
      )
      expect(outcomes.filter((o) => o._tag === "Right")).toHaveLength(1)
      for (const outcome of outcomes) if (outcome._tag === "Left") expect(outcome.left._tag).toBe("NameTaken")
    }))
}), { registrar: true })
