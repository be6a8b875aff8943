import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, vi } from "@effect/vitest"
import { Effect, Exit, Layer, Logger } from "effect"
import { AppConfig } from "../../src/services/AppConfig.js"
import { DatabaseLive } from "../../src/services/Database.js"
import { launch } from "../../src/http/Server.js"
import type { Contacts } from "../../src/services/Contacts.js"
import { contactsOnRegistrar, type Registrar } from "../../src/services/Registrar.js"
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
