import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, vi } from "@effect/vitest"
import { Effect, Exit, Layer, Logger } from "effect"
import { MessageChannel } from "node:worker_threads"
import { AppConfig } from "../../src/services/AppConfig.js"
import { DatabaseLive } from "../../src/services/Database.js"
import { launch } from "../../src/http/Server.js"
import { Contacts } from "../../src/services/Contacts.js"
import { contactsOnRegistrar, type Registrar, serveRegistrations } from "../../src/services/Registrar.js"
import { configFor, onRegistrar, postgres, postgresReachable, refuseConnections, sqliteFile } from "../support/Databases.js"
import { staffedSource } from "../support/Fixtures.js"
import { sendRaw, TestApp, unique } from "../support/TestApp.js"

const onFile = <E, R>(registrar: Layer.Layer<Contacts | Registrar, E, R>) =>
  registrar.pipe(
    Layer.provide(DatabaseLive),
    Layer.provide(AppConfig.Default),
    Layer.provide(configFor(sqliteFile)),
    // The platform logs what it sees of the thread; the error is what these tests read.
    Layer.provide(Logger.remove(Logger.defaultLogger))
  )

describe("the registrar thread", () => {
  it.live("that cannot start keeps the service from starting, with an error that says so", () =>
    Effect.gen(function* () {
      const missing = new URL("../../dist/no-such-registrar.js", import.meta.url)
      const exit = yield* Layer.build(onFile(contactsOnRegistrar(missing, "1 second"))).pipe(Effect.scoped, Effect.exit)
      expect(exit).toStrictEqual(Exit.fail(expect.objectContaining({
        _tag: "RegistrarNotStarted",
        message: expect.stringContaining("no-such-registrar.js")
      })))
    }))

  it.live("that stops on its own ends the running service with an error that says so", () =>
    Effect.gen(function* () {
      const dying = new URL("../support/dying-registrar.ts", import.meta.url)
      const exit = yield* launch(onFile(contactsOnRegistrar(dying))).pipe(Effect.timeout("20 seconds"), Effect.exit)
      expect(exit).toStrictEqual(Exit.fail(expect.objectContaining({
        _tag: "RegistrarStopped",
        message: expect.stringContaining("exit code 3")
      })))
    }))
})

const crashing = new URL("../support/crashing-registrar.ts", import.meta.url)

layer(TestApp(onRegistrar(sqliteFile), { LOG_LEVEL: "off" }, crashing), { excludeTestServices: true })("a registrar thread that dies mid-registration", (it) => {
  it.effect("fails that registration and every later one with a 500 at once, instead of leaving them waiting", () =>
    Effect.gen(function* () {
      const { source } = yield* staffedSource([1])
      // A request left waiting fails the test after 10 s, without waiting for its interruption.
      const register = sendRaw("POST", "/contacts", JSON.stringify({ external_id: unique("lead"), source_id: source })).pipe(
        Effect.disconnect,
        Effect.timeout("10 seconds")
      )
      const during = yield* register
      expect(during.status, during.text).toBe(500)
      expect(during.body).toEqual({ _tag: "InternalError", message: expect.any(String) })
      const after = yield* register
      expect(after.status, after.text).toBe(500)
      const sql = yield* SqlClient.SqlClient
      const [written] = yield* sql<{ leads: number }>`SELECT COUNT(*) AS leads FROM leads`
      expect(written).toEqual({ leads: 0 })
    }).pipe(Effect.orDie))
})

layer(TestApp(onRegistrar(sqliteFile), { LOG_LEVEL: "error" }))("a database error on the registrar thread", (it) => {
  it.effect("is answered and logged as on the main thread: a statement the database refuses is a 500 whose log line quotes the database, and nothing is half-written", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const sql = yield* SqlClient.SqlClient
      // The counter statement comes last in a registration: the lead upsert and the claim before it must roll back.
      yield* sql`DROP TABLE contact_counts`
      // Errors are written at once with console.log; routine lines wait in a batch.
      const logged: Array<string> = []
      const spy = vi.spyOn(console, "log").mockImplementation((line) => logged.push(String(line)))
      const response = yield* sendRaw("POST", "/contacts", JSON.stringify({ external_id: unique("lead"), source_id: source }), "application/json", { "x-request-id": "trace-db-1" }).pipe(
        Effect.ensuring(Effect.sync(() => spy.mockRestore()))
      )
      expect(response.status, response.text).toBe(500)
      expect(response.body).toEqual({ _tag: "InternalError", message: expect.any(String) })
      const failure = logged.find((line) => line.includes(`"request_id":"trace-db-1"`))
      expect(failure).toContain("no such table: contact_counts")
      const [written] = yield* sql<{ leads: number; load: number }>`
        SELECT (SELECT COUNT(*) FROM leads) AS leads, (SELECT load FROM operators WHERE id = ${operators[0]!}) AS load`
      expect(written).toEqual({ leads: 0, load: 0 })
    }).pipe(Effect.orDie))
})

/**
 * Sends registrations to the registrar's side all at once, as the main thread does when
 * they arrive together, and returns the messages it answers with. The registrar runs
 * in this thread here; the channel is the same kind the two threads talk through.
 */
const sendTogether = (
  registrations: ReadonlyArray<{ readonly external_id: unknown; readonly source_id: number; readonly key?: string }>
) =>
  Effect.gen(function* () {
    const { port1, port2 } = new MessageChannel()
    yield* Effect.addFinalizer(() => Effect.sync(() => port2.close()))
    yield* serveRegistrations(port1).pipe(Effect.provide(Contacts.Default), Effect.forkScoped)
    return yield* Effect.async<ReadonlyArray<ReadonlyArray<readonly [number, string, unknown]>>>((resume) => {
      const messages: Array<ReadonlyArray<readonly [number, string, unknown]>> = []
      port2.on("message", (message) => {
        if (message === "ready") return registrations.forEach(({ key, ...input }, id) => port2.postMessage([id, input, key]))
        messages.push(message)
        if (messages.flat().length === registrations.length) resume(Effect.succeed(messages))
      })
    })
  })

/** Each message the registrar sent, as the id and kind of every answer in it. */
const kinds = (messages: ReadonlyArray<ReadonlyArray<readonly [number, string, unknown]>>) =>
  messages.map((message) => message.map(([id, kind]) => [id, kind]))

/** Which of these leads were written, in the order they were. */
const leadsWritten = (externalIds: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ external_id: string }>`SELECT external_id FROM leads WHERE ${sql.in("external_id", externalIds)} ORDER BY id`,
      (rows) => rows.map((row) => row.external_id)
    ))

/** How many contacts a source has, and the load of one of its operators. */
const written = (source: number, operator: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ contacts: number; load: number }>`
        SELECT (SELECT COUNT(*) FROM contacts WHERE source_id = ${source}) AS contacts,
               (SELECT load FROM operators WHERE id = ${operator}) AS load`,
      (rows) => rows[0]
    ))

layer(TestApp(sqliteFile), { excludeTestServices: true })("registrations that reach the registrar together", (it) => {
  it.scoped("are answered together, in one message after their commit", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const messages = yield* sendTogether([1, 2, 3].map(() => ({ external_id: unique("lead"), source_id: source })))
      expect(kinds(messages)).toEqual([[[0, "contact"], [1, "contact"], [2, "contact"]]])
      expect(yield* written(source, operators[0]!)).toEqual({ contacts: 3, load: 3 })
    }).pipe(Effect.orDie))

  it.scoped("with one for an unknown source, run alone, each answered as it is done: that lead is not written, the others' are", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const [first, missing, last] = [unique("lead"), unique("lead"), unique("lead")]
      const messages = yield* sendTogether([
        { external_id: first, source_id: source },
        { external_id: missing, source_id: 999_999 },
        { external_id: last, source_id: source }
      ])
      expect(kinds(messages)).toEqual([[[0, "contact"]], [[1, "failure"]], [[2, "contact"]]])
      expect(messages[1]![0]![2]).toMatchObject({ _tag: "SourceNotFound" })
      expect(yield* leadsWritten([first, missing, last])).toEqual([first, last])
      expect(yield* written(source, operators[0]!)).toEqual({ contacts: 2, load: 2 })
    }).pipe(Effect.orDie))

  it.scoped("with one Idempotency-Key: a repeat gets the first one's contact, another body under that key is refused alone", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const [lead, other] = [unique("lead"), unique("lead")]
      const key = unique("key")
      const messages = yield* sendTogether([
        { external_id: lead, source_id: source, key },
        { external_id: lead, source_id: source, key },
        { external_id: other, source_id: source, key }
      ])
      const replies = messages.flat()
      expect(replies.map(([id, kind]) => [id, kind])).toEqual([[0, "contact"], [1, "contact"], [2, "failure"]])
      expect(replies[1]![2]).toEqual(replies[0]![2])
      expect(replies[2]![2]).toMatchObject({ _tag: "IdempotencyKeyReused" })
      expect(yield* written(source, operators[0]!)).toEqual({ contacts: 1, load: 1 })
    }).pipe(Effect.orDie))

  it.scoped("where one meets a database error, fail only that one: the others are written", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const [first, last] = [unique("lead"), unique("lead")]
      // The main thread never sends a null external_id; the database refuses it as any statement error.
      const messages = yield* sendTogether([
        { external_id: first, source_id: source },
        { external_id: null, source_id: source },
        { external_id: last, source_id: source }
      ])
      expect(kinds(messages)).toEqual([[[0, "contact"]], [[1, "failure"]], [[2, "contact"]]])
      expect(messages[1]![0]![2]).toMatchObject({ _tag: "SqlFailure", code: "SQLITE_CONSTRAINT_NOTNULL" })
      expect(yield* leadsWritten([first, last])).toEqual([first, last])
      expect((yield* written(source, operators[0]!))?.load).toBe(2)
    }).pipe(Effect.orDie))

  it.scoped("whose commit fails, each answered for itself: the failed transaction does not outlive its COMMIT", () =>
    Effect.gen(function* () {
      const { source, operators } = yield* staffedSource([1])
      const [first, failing, last] = [unique("lead"), unique("lead"), unique("lead")]
      const sql = yield* SqlClient.SqlClient
      // A foreign key checked only at COMMIT fails the COMMIT, and SQLite then keeps the
      // transaction open, as after some disk and I/O errors.
      yield* sql`CREATE TABLE IF NOT EXISTS commit_parents (id INTEGER PRIMARY KEY)`
      yield* sql`CREATE TABLE IF NOT EXISTS commit_children (parent INTEGER REFERENCES commit_parents (id) DEFERRABLE INITIALLY DEFERRED)`
      yield* sql.unsafe(`CREATE TRIGGER fails_at_commit AFTER INSERT ON leads WHEN NEW.external_id = '${failing}'
        BEGIN INSERT INTO commit_children VALUES (1); END`)
      yield* Effect.addFinalizer(() => Effect.orDie(sql`DROP TRIGGER fails_at_commit`))
      const messages = yield* sendTogether([
        { external_id: first, source_id: source },
        { external_id: failing, source_id: source },
        { external_id: last, source_id: source }
      ])
      expect(kinds(messages)).toEqual([[[0, "contact"]], [[1, "failure"]], [[2, "contact"]]])
      expect(messages[1]![0]![2]).toMatchObject({ _tag: "SqlFailure", code: "SQLITE_CONSTRAINT_FOREIGNKEY" })
      expect(yield* leadsWritten([first, failing, last])).toEqual([first, last])
      expect(yield* written(source, operators[0]!)).toEqual({ contacts: 2, load: 2 })
    }).pipe(Effect.orDie))
})

describe.runIf(postgresReachable)("a database that stops accepting the registrar's connections", () => {
  layer(TestApp(onRegistrar(postgres)), { excludeTestServices: true })("on postgres", (it) => {
    it.effect("makes POST /contacts a 503 DatabaseUnavailable, as on the main thread", () =>
      Effect.gen(function* () {
        const { source } = yield* staffedSource([1])
        const register = sendRaw("POST", "/contacts", JSON.stringify({ external_id: unique("lead"), source_id: source }))
        expect((yield* register).status).toBe(201)
        // The registrar's connections are ended too, and it cannot open new ones.
        yield* refuseConnections
        const response = yield* register
        expect(response.status, response.text).toBe(503)
        expect(response.body).toEqual({ _tag: "DatabaseUnavailable", message: expect.any(String) })
      }).pipe(Effect.orDie))
  })
})
