import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { onRegistrar, sqlite, sqliteFile, type TestDatabase } from "../support/Databases.js"
import { staffedSource } from "../support/Fixtures.js"
import { Client, TestApp } from "../support/TestApp.js"

/** One day's requests, sent one after another to a fresh service; returns who got each contact. */
const day = (seed: string, db: TestDatabase = sqlite) =>
  Effect.gen(function* () {
    const client = yield* Client
    const { source } = yield* staffedSource([1, 1, 1], 4)
    const assigned: Array<number | null> = []
    for (let i = 0; i < 40; i++) {
      const contact = yield* client.contacts.register({ headers: {}, payload: { external_id: `lead-${i % 7}`, source_id: source } })
      assigned.push(contact.operator_id)
      if (i % 5 === 4) yield* client.contacts.update({ path: { id: contact.id }, payload: { is_active: false } })
    }
    return assigned
  }).pipe(Effect.provide(TestApp(db, { RANDOM_SEED: seed })))

describe("RANDOM_SEED", () => {
  it.live("replays the same assignments for the same requests on a fresh database", () =>
    Effect.gen(function* () {
      const first = yield* day("2026-11-24")
      const again = yield* day("2026-11-24")
      expect(again).toEqual(first)
      expect(new Set(first).size).toBeGreaterThan(1)
      const other = yield* day("another seed")
      expect(other).not.toEqual(first)
    }))

  it.live("replays them the same with registrations on their own thread, which draws with the same seed", () =>
    Effect.gen(function* () {
      const oneThread = yield* day("2026-11-24")
      const registrar = yield* day("2026-11-24", onRegistrar(sqliteFile))
      expect(registrar).toEqual(oneThread)
    }))
})
