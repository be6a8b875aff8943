import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Contact } from "../../src/domain/Contact.js"
import { Reconciliation } from "../../src/services/Reconciliation.js"
import { sqliteFile } from "../support/Database.js"
import { postgres, postgresReachable, temporaryFile } from "../support/Databases.js"
import { oneSource, type Reply, request, startReplica } from "../support/Replica.js"

const decodeContact = Schema.decodeUnknownSync(Contact)

/**
 * Sends `total` registrations, `concurrency` at a time, and calls `interrupt` once
 * `after` of them have been answered. Returns every reply (status 0: no response).
 */
const burst = (url: string, source: number, options: { total: number; concurrency: number; after: number; interrupt: () => void }) =>
  Effect.promise(async () => {
    const replies: Array<Reply> = []
    let next = 0
    let interrupted = false
    const worker = async () => {
      while (next < options.total) {
        const i = next++
        replies.push(await request(`${url}/contacts`, "POST", { external_id: `burst-${i % 150}`, source_id: source }))
        if (!interrupted && replies.length >= options.after) {
          interrupted = true
          options.interrupt()
        }
      }
    }
    await Promise.all(Array.from({ length: options.concurrency }, worker))
    return replies
  })

/** Every 201 is a well-formed contact; anything else must be "no response at all". */
const answered = (replies: ReadonlyArray<Reply>) => {
  const statuses = new Set(replies.map((r) => r.status))
  expect([...statuses].filter((s) => s !== 201 && s !== 0)).toEqual([])
  return replies.filter((r) => r.status === 201).map((r) => decodeContact(r.body))
}

const stored = (file: string, ids: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ id: number }>`SELECT id FROM contacts WHERE ${sql.in("id", ids)}`
    const [integrity] = yield* sql<{ integrity_check: string }>`PRAGMA integrity_check`
    const drift = yield* Effect.flatMap(Reconciliation, (r) => r.drift)
    return { found: rows.length, integrity: integrity?.integrity_check, drift }
  }).pipe(Effect.provide(Reconciliation.Default), Effect.provide(sqliteFile(file)), Effect.orDie)

describe("a real server process", () => {
  it.live("runs registrations on a thread of their own on a SQLite file, not on PostgreSQL, unless REGISTRATION_THREAD says", () =>
    Effect.gen(function* () {
      const line = "registrations run on a thread of their own"
      const sqliteUrl = Effect.map(temporaryFile, (file) => `sqlite:${file}`)
      const cases = [
        { database: sqliteUrl, setting: undefined, threaded: true },
        { database: sqliteUrl, setting: "false", threaded: false },
        ...(postgresReachable
          ? [
            { database: postgres.url, setting: undefined, threaded: false },
            { database: postgres.url, setting: "true", threaded: true }
          ]
          : [])
      ]
      for (const { database, setting, threaded } of cases) {
        const replica = yield* startReplica({
          DATABASE_URL: yield* database,
          LOG_LEVEL: "info",
          ...(setting === undefined ? {} : { REGISTRATION_THREAD: setting })
        })
        const source = yield* oneSource(replica.url)
        const reply = yield* Effect.promise(() => request(`${replica.url}/contacts`, "POST", { external_id: "first", source_id: source }))
        expect(decodeContact(reply.body)).toMatchObject({ source_id: source, is_active: true })
        expect(replica.output().includes(line), replica.output()).toBe(threaded)
        replica.process.kill("SIGTERM")
        expect(yield* replica.exited).toBe(0)
      }
    }).pipe(Effect.scoped), { timeout: 90_000 })

  it.live("on SIGTERM mid-burst answers or refuses every request without waiting out the grace, stores every 201, and exits 0", () =>
    Effect.gen(function* () {
      const file = yield* temporaryFile
      // A request left without an answer would hold its connection open until the grace ends.
      const replica = yield* startReplica({ DATABASE_URL: `sqlite:${file}`, SHUTDOWN_GRACE: "30 seconds" })
      const source = yield* oneSource(replica.url)
      let signalled = 0
      const replies = yield* burst(replica.url, source, {
        total: 600, concurrency: 24, after: 150, interrupt: () => {
          signalled = Date.now()
          replica.process.kill("SIGTERM")
        }
      })
      expect(yield* replica.exited).toBe(0)
      expect(Date.now() - signalled).toBeLessThan(15_000)
      const contacts = answered(replies)
      expect(contacts.length).toBeGreaterThanOrEqual(150)
      const after = yield* stored(file, contacts.map((c) => c.id))
      console.log(`SIGTERM: ${contacts.length} answered 201, ${replies.length - contacts.length} unanswered, ${after.found} of the 201s stored`)
      expect(after).toEqual({ found: contacts.length, integrity: "ok", drift: [] })
    }).pipe(Effect.scoped), { timeout: 90_000 })

  it.live("killed with SIGKILL mid-burst loses no acknowledged contact and restarts consistent", () =>
    Effect.gen(function* () {
      const file = yield* temporaryFile
      const replica = yield* startReplica({ DATABASE_URL: `sqlite:${file}` })
      const source = yield* oneSource(replica.url)
      const replies = yield* burst(replica.url, source, {
        total: 600, concurrency: 24, after: 150, interrupt: () => replica.process.kill("SIGKILL")
      })
      expect(yield* replica.exited).toBe("SIGKILL")
      const contacts = answered(replies)
      const restarted = yield* startReplica({ DATABASE_URL: `sqlite:${file}` })
      for (const contact of contacts) {
        const reply = yield* Effect.promise(() => request(`${restarted.url}/contacts/${contact.id}`, "GET"))
        expect(reply.status).toBe(200)
        expect(decodeContact(reply.body)).toEqual(contact)
      }
      restarted.process.kill("SIGTERM")
      expect(yield* restarted.exited).toBe(0)
      const after = yield* stored(file, contacts.map((c) => c.id))
      console.log(`SIGKILL: ${contacts.length} answered 201, ${replies.length - contacts.length} unanswered, ${after.found} of the 201s stored`)
      expect(after).toEqual({ found: contacts.length, integrity: "ok", drift: [] })
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
