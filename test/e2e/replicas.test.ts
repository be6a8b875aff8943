import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { migrations as allMigrations } from "../../src/services/Migrations.js"
import { postgres, postgresReachable } from "../support/Databases.js"
import { request, startReplica } from "../support/Replica.js"

const REPLICAS = 3
const REGISTRATIONS = 600
const SHARED_IDS = 10
const SHARED_CONTACTS = 100
const capacities = [20, 20, 10] // 50 in all

const id = (reply: { body: unknown }) => {
  const body = reply.body
  if (typeof body === "object" && body !== null && "id" in body && typeof body.id === "number") return body.id
  throw new Error(`no id in ${JSON.stringify(body)}`)
}

describe.skipIf(!postgresReachable)("replicas on one PostgreSQL database", () => {
  it.live("never exceed max_load nor duplicate a lead under concurrent registrations across processes", () =>
    Effect.gen(function* () {
      const url = yield* postgres.url
      // All three start at once on the empty database: migrations must apply exactly once.
      const replicas = yield* Effect.all(
        Array.from({ length: REPLICAS }, () => startReplica({ DATABASE_URL: url })),
        { concurrency: "unbounded" }
      )
      const [first] = replicas
      const operators: Array<number> = []
      for (const [i, max_load] of capacities.entries()) {
        operators.push(id(yield* Effect.promise(() => request(`${first!.url}/operators`, "POST", { name: `op ${i}`, max_load }))))
      }
      const source = id(yield* Effect.promise(() => request(`${first!.url}/sources`, "POST", { name: "rush" })))
      yield* Effect.promise(() =>
        request(`${first!.url}/sources/${source}/operators`, "PUT", {
          weights: operators.map((operator_id, i) => ({ operator_id, weight: i + 1 }))
        }))

      const bodies = [
        ...Array.from({ length: REGISTRATIONS }, (_, i) => ({ external_id: `unique-${i}`, source_id: source })),
        ...Array.from({ length: SHARED_CONTACTS }, (_, i) => ({ external_id: `shared-${i % SHARED_IDS}`, source_id: source }))
      ]
      const replies = yield* Effect.promise(() =>
        Promise.all(bodies.map((body, i) => request(`${replicas[i % REPLICAS]!.url}/contacts`, "POST", body))))

      expect(replies.filter((r) => r.status !== 201)).toEqual([])

      const check = Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const assigned = yield* sql<{ n: number }>`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM contacts WHERE operator_id IS NOT NULL`
        expect(assigned[0]?.n).toBe(50)
        const loads = yield* sql<{ id: number; load: number; max_load: number; active: number }>`
          SELECT o.id, o.load, o.max_load,
                 CAST((SELECT COUNT(*) FROM contacts c WHERE c.operator_id = o.id AND c.is_active = 1) AS INTEGER) AS active
          FROM operators o ORDER BY o.id`
        for (const row of loads) {
          expect(row.load).toBeLessThanOrEqual(row.max_load)
          expect(row.load).toBe(row.active)
        }
        expect(loads.map((r) => r.load)).toEqual(capacities)
        const shared = yield* sql<{ external_id: string; contacts_count: number }>`
          SELECT external_id, contacts_count FROM leads WHERE external_id LIKE 'shared-%' ORDER BY external_id`
        expect(shared).toHaveLength(SHARED_IDS)
        expect(shared.every((lead) => lead.contacts_count === SHARED_CONTACTS / SHARED_IDS)).toBe(true)
        const migrations = yield* sql<{ n: number }>`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM effect_sql_migrations`
        expect(migrations[0]?.n).toBe(Object.keys(allMigrations).length)
      })
      yield* check.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.orDie)
    }).pipe(Effect.scoped), { timeout: 120_000 })
})
