import { describe, expect, layer, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, TestClock } from "effect"
import { forEachDatabase, labelOf, onRegistrar, sqliteFile, temporaryFile, type TestDatabase } from "../support/Databases.js"
import { staffedSource } from "../support/Fixtures.js"
import { Client, countRows, sendRaw, TestApp, unique } from "../support/TestApp.js"

const post = (key: string, body: unknown) =>
  sendRaw("POST", "/contacts", JSON.stringify(body), "application/json", { "idempotency-key": key })

forEachDatabase((db) => layer(TestApp(db))(`Idempotency-Key on ${labelOf(db)}`, (it) => {
  it.effect("a repeat with the same key and body returns the original contact, same id and status", () =>
    Effect.gen(function* () {
      const { source } = yield* staffedSource([1])
      const key = unique("key")
      const body = { external_id: unique("lead"), source_id: source, message: "hi" }
      const first = yield* post(key, body)
      const before = yield* countRows
      const again = yield* post(key, { message: "hi", source_id: source, external_id: ` ${body.external_id} ` })
      expect(first.status).toBe(201)
      expect(again.status).toBe(201)
      expect(again.body).toEqual(first.body)
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("concurrent repeats create one contact", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source } = yield* staffedSource([1])
      const key = unique("burst")
      const payload = { external_id: unique("lead"), source_id: source }
      const contacts = yield* Effect.all(
        Array.from({ length: 20 }, () => client.contacts.register({ headers: { "idempotency-key": key }, payload })),
        { concurrency: "unbounded" }
      )
      expect(new Set(contacts.map((c) => c.id)).size).toBe(1)
      const lead = yield* client.leads.get({ path: { id: contacts[0]!.lead_id } })
      expect(lead.contacts_count).toBe(1)
    }))

  it.effect("the same key with a different body is a 409 IdempotencyKeyReused and writes nothing", () =>
    Effect.gen(function* () {
      const { source } = yield* staffedSource([1])
      const key = unique("reused")
      expect((yield* post(key, { external_id: unique("a"), source_id: source })).status).toBe(201)
      const before = yield* countRows
      const other = yield* post(key, { external_id: unique("b"), source_id: source })
      expect(other.status).toBe(409)
      expect(other.body).toMatchObject({ _tag: "IdempotencyKeyReused", message: expect.any(String) })
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("without the header every request registers a new contact", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source } = yield* staffedSource([1])
      const payload = { external_id: unique("lead"), source_id: source }
      const a = yield* client.contacts.register({ headers: {}, payload })
      const b = yield* client.contacts.register({ headers: {}, payload })
      expect(a.id).not.toBe(b.id)
    }))

  it.effect("a failed registration does not burn its key", () =>
    Effect.gen(function* () {
      const key = unique("retry")
      const missing = yield* post(key, { external_id: unique("lead"), source_id: 999_999 })
      expect(missing.status).toBe(404)
      const { source } = yield* staffedSource([1])
      expect((yield* post(key, { external_id: unique("lead"), source_id: source })).status).toBe(201)
    }))

  it.effect("a key that is not 1–255 visible ASCII characters is a 400", () =>
    Effect.gen(function* () {
      const { source } = yield* staffedSource([1])
      for (const key of ["has space", "k".repeat(256)]) {
        const response = yield* post(key, { external_id: unique("lead"), source_id: source })
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ _tag: "HttpApiDecodeError" })
      }
    }))
}), { registrar: true })

describe("Idempotency-Key lifetime", () => {
  it.live("survives a restart of the service on the same database", () =>
    Effect.gen(function* () {
      // One file for both starts of the service, removed when the test ends.
      const file = yield* temporaryFile
      const db: TestDatabase = { name: "sqlite", url: Effect.succeed(`sqlite:${file}`) }
      const key = unique("durable")
      const first = yield* Effect.gen(function* () {
        const { source } = yield* staffedSource([1])
        return { source, reply: yield* post(key, { external_id: "durable@example.com", source_id: source }) }
      }).pipe(Effect.provide(TestApp(db)))
      const again = yield* post(key, { external_id: "durable@example.com", source_id: first.source })
        .pipe(Effect.provide(TestApp(db)))
      expect(first.reply.status).toBe(201)
      expect(again.body).toEqual(first.reply.body)
    }).pipe(Effect.scoped))

  it.effect("expired keys are swept every hour, also with registrations on their own thread", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // On the test clock it is 1970-01-01T00:00Z; an hour on, keys from before 1969-12-31T01:00Z have expired.
      yield* sql`INSERT INTO idempotency_keys (key, fingerprint, contact_id, created_at)
                 VALUES ('expired', 'f', NULL, '1969-12-30T00:00:00.000Z'), ('recent', 'f', NULL, '1970-01-01T00:30:00.000Z')`
      yield* TestClock.adjust("1 hour")
      const left = yield* sql<{ key: string }>`SELECT key FROM idempotency_keys ORDER BY key`
      expect(left.map((row) => row.key)).toEqual(["recent"])
    }).pipe(Effect.provide(TestApp(onRegistrar(sqliteFile)))))

  it.live("ends after IDEMPOTENCY_TTL: the key then registers a new contact", () =>
    Effect.gen(function* () {
      const { source } = yield* staffedSource([1])
      const body = { external_id: unique("lead"), source_id: source }
      const first = yield* post("short-lived", body)
      yield* Effect.sleep("30 millis")
      const later = yield* post("short-lived", body)
      expect(later.status).toBe(201)
      expect(later.body).not.toEqual(first.body)
    }).pipe(Effect.provide(TestApp(sqliteFile, { IDEMPOTENCY_TTL: "10 millis" }))))
})
