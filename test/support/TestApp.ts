import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { Api } from "../../src/http/Api.js"
import { httpOver, servicesLive } from "../../src/http/Server.js"
import { RuntimeLive } from "../../src/services/Runtime.js"
import { DatabaseLive } from "../../src/services/Database.js"
import { AppConfig } from "../../src/services/AppConfig.js"
import { configFor, sqlite, type TestDatabase } from "./Databases.js"

/** The typed client derived from the API definition, pointed at the test server. */
export class Client extends Effect.Service<Client>()("test/Client", {
  effect: HttpApiClient.make(Api)
}) {}

/** The registrar thread's entry, run through tsx. */
const registrar = new URL("../../src/registrar.ts", import.meta.url)

/**
 * The real service on a real HTTP server (random port) and a real database:
 * in-memory SQLite unless told otherwise, a new PostgreSQL database for `postgres`,
 * registrations on the registrar thread when the database says so. Exposes the
 * derived client, the raw HTTP client (for bodies the typed client cannot send) and the SqlClient.
 */
export const TestApp = (db: TestDatabase = sqlite, env: Record<string, string> = {}, registrarEntry = registrar) =>
  Client.Default.pipe(
    Layer.provideMerge(httpOver(servicesLive(db.registrar === true ? registrarEntry : undefined))),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(RuntimeLive),
    Layer.provideMerge(DatabaseLive),
    Layer.provideMerge(AppConfig.Default),
    Layer.provide(configFor(db, db.registrar === true ? { REGISTRATION_THREAD: "true", ...env } : env))
  )

/** Sends a request the typed client would refuse to build: malformed JSON, wrong types, extra fields. */
export const sendRaw = (
  method: "POST" | "PATCH" | "PUT" | "GET" | "DELETE",
  path: string,
  body?: string,
  contentType = "application/json",
  headers: Record<string, string> = {}
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(headers))
    if (body !== undefined) request = HttpClientRequest.bodyText(request, body, contentType)
    const response = yield* client.execute(request)
    const text = yield* response.text
    const json = (response.headers["content-type"] ?? "").includes("application/json") && text.length > 0
    return { status: response.status, body: json ? JSON.parse(text) as unknown : undefined, text, headers: response.headers }
  }).pipe(Effect.scoped, Effect.orDie)

let counter = 0
/** Names unique within a run, so tests sharing one database never collide. */
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`

export const countRows = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tables = ["operators", "sources", "source_operators", "leads", "contacts", "contact_counts"] as const
  const counts: Record<string, number> = {}
  for (const table of tables) {
    const [row] = yield* sql<{ n: number }>`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM ${sql(table)}`
    counts[table] = row?.n ?? 0
  }
  return counts
}).pipe(Effect.orDie)
