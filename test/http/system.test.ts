import { describe, expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { OperatorId, SourceId } from "../../src/domain/Ids.js"
import { Requests } from "../../src/http/RequestLog.js"
import { forEachDatabase, postgres, postgresReachable, refuseConnections } from "../support/Databases.js"
import { newOperator, sourceWith } from "../support/Fixtures.js"
import { Client, countRows, sendRaw, TestApp, unique } from "../support/TestApp.js"

/** SPEC.md's table of endpoints, minus /docs and /openapi.json, which serve the document itself. */
const SPEC_OPERATIONS: ReadonlyArray<readonly [string, string, number]> = [
  ["POST", "/operators", 201],
  ["GET", "/operators", 200],
  ["GET", "/operators/{id}", 200],
  ["PATCH", "/operators/{id}", 200],
  ["POST", "/sources", 201],
  ["GET", "/sources", 200],
  ["GET", "/sources/{id}", 200],
  ["POST", "/sources/{id}/operators", 200],
  ["PUT", "/sources/{id}/operators", 200],
  ["GET", "/sources/{id}/operators", 200],
  ["POST", "/contacts", 201],
  ["GET", "/contacts", 200],
  ["GET", "/contacts/{id}", 200],
  ["PATCH", "/contacts/{id}", 200],
  ["GET", "/leads", 200],
  ["GET", "/leads/{id}", 200],
  ["GET", "/stats/operators", 200],
  ["GET", "/health", 200]
]

const Document = Schema.Struct({
  paths: Schema.Record({
    key: Schema.String,
    value: Schema.Record({
      key: Schema.String,
      value: Schema.Struct({ responses: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
    })
  })
})

const ErrorBody = { _tag: expect.any(String), message: expect.any(String) }

const operator = newOperator

const register = (source_id: SourceId) =>
  Effect.flatMap(Client, (client) =>
    client.contacts.register({ headers: {}, payload: { external_id: unique("lead"), source_id } }))

/** Markup outside <script> and <style>: where the browser finds the URLs it loads. */
const markupOf = (html: string) =>
  html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "<script></script>").replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, "<style></style>")

forEachDatabase((db) => layer(TestApp(db))(`system endpoints on ${db.name}`, (it) => {
  it.effect("GET /stats/operators reports each operator's load and per-source active/total, and unassigned per source", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const [a, resting, c] = [yield* operator(2), yield* operator(5, false), yield* operator(5)]
      const chat = yield* sourceWith([[a, 1], [resting, 3]])
      const form = yield* sourceWith([[c, 1]])
      const idle = yield* sourceWith([])
      // `resting` is inactive, so chat's contacts go to `a` until it is full, then to nobody.
      const chat1 = yield* register(chat.id)
      const chat2 = yield* register(chat.id)
      const chat3 = yield* register(chat.id)
      expect([chat1, chat2, chat3].map((x) => x.operator_id)).toEqual([a, a, null])
      expect((yield* register(form.id)).operator_id).toBe(c)
      yield* client.contacts.update({ path: { id: chat1.id }, payload: { is_active: false } })
      // A removed weight still shows the operator's history with that source, at weight 0.
      yield* client.sources.upsertWeights({ path: { id: chat.id }, payload: { weights: [{ operator_id: a, weight: 0 }] } })

      const stats = yield* client.stats.operators()
      const byId = (id: OperatorId) => stats.operators.filter((o) => o.operator_id === id)
      const nameOf = (id: OperatorId) => Effect.map(client.operators.get({ path: { id } }), (o) => o.name)
      expect(byId(a)).toEqual([{
        operator_id: a, name: yield* nameOf(a), is_active: true, max_load: 2, load: 1, total: 2,
        sources: [{ source_id: chat.id, source_name: chat.name, weight: 0, active: 1, total: 2 }]
      }])
      expect(byId(resting)).toEqual([{
        operator_id: resting, name: yield* nameOf(resting), is_active: false, max_load: 5, load: 0, total: 0,
        sources: [{ source_id: chat.id, source_name: chat.name, weight: 3, active: 0, total: 0 }]
      }])
      expect(byId(c)).toEqual([{
        operator_id: c, name: yield* nameOf(c), is_active: true, max_load: 5, load: 1, total: 1,
        sources: [{ source_id: form.id, source_name: form.name, weight: 1, active: 1, total: 1 }]
      }])
      const unassigned = (id: SourceId) => stats.unassigned.filter((s) => s.source_id === id)
      expect(unassigned(chat.id)).toEqual([{ source_id: chat.id, source_name: chat.name, active: 1, total: 1 }])
      expect(unassigned(form.id)).toEqual([{ source_id: form.id, source_name: form.name, active: 0, total: 0 }])
      expect(unassigned(idle.id)).toEqual([{ source_id: idle.id, source_name: idle.name, active: 0, total: 0 }])

      // Every operator's load agrees with GET /operators.
      const operators = yield* client.operators.list({ urlParams: {} })
      expect(stats.operators.map((o) => [o.operator_id, o.load])).toEqual(operators.map((o) => [o.id, o.load]))

      yield* client.contacts.update({ path: { id: chat3.id }, payload: { is_active: false } })
      const after = yield* client.stats.operators()
      expect(after.unassigned.filter((s) => s.source_id === chat.id)).toEqual([
        { source_id: chat.id, source_name: chat.name, active: 0, total: 1 }
      ])
    }))

  it.effect("GET /health answers 200 {status: \"ok\"}", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const response = yield* sendRaw("GET", "/health")
      expect(response.status).toBe(200)
      expect(response.body).toEqual({ status: "ok" })
      expect(yield* client.health.check()).toEqual({ status: "ok" })
    }))

  it.effect("GET /openapi.json states SPEC.md's limits, so generated clients and forms check them too", () =>
    Effect.gen(function* () {
      // Read as plain JSON: the document's shape is the platform's, these are the parts a client generator reads.
      const document = (yield* sendRaw("GET", "/openapi.json")).body as {
        components: { schemas: Record<string, { properties: Record<string, unknown> }> }
        paths: Record<string, Record<string, { parameters?: Array<{ name: string; schema: unknown }> }>>
      }
      const property = (schema: string, name: string) => document.components.schemas[schema]?.properties[name]
      const parameter = (path: string, name: string) =>
        document.paths[path]?.get?.parameters?.find((p) => p.name === name)?.schema
      expect(property("CreateOperator", "name")).toMatchObject({ type: "string", minLength: 1, maxLength: 200 })
      expect(property("CreateSource", "name")).toMatchObject({ type: "string", minLength: 1, maxLength: 200 })
      expect(property("RegisterContact", "external_id")).toMatchObject({ type: "string", minLength: 1, maxLength: 255 })
      expect(property("RegisterContact", "message")).toMatchObject({ anyOf: [{ type: "string", maxLength: 10_000 }, { type: "null" }] })
      expect(parameter("/contacts", "limit")).toEqual({ type: "integer", minimum: 1, maximum: 500, default: 50 })
      expect(parameter("/leads", "external_id")).toMatchObject({ type: "string", maxLength: 255 })
      expect(parameter("/operators/{id}", "id")).toEqual({ type: "integer", minimum: 1, maximum: 2_147_483_647 })
    }))

  it.effect("GET /openapi.json documents exactly SPEC.md's operations, each with its success status", () =>
    Effect.gen(function* () {
      const response = yield* sendRaw("GET", "/openapi.json")
      expect(response.status).toBe(200)
      const document = Schema.decodeUnknownSync(Document)(response.body)
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) =>
          [method.toUpperCase(), path, Object.keys(operation.responses).map(Number).find((s) => s < 300)] as const))
      const key = ([method, path]: readonly [string, string, ...Array<unknown>]) => `${method} ${path}`
      expect(documented.map(key).sort()).toEqual(SPEC_OPERATIONS.map(key).sort())
      for (const [method, path, status] of SPEC_OPERATIONS) {
        expect(documented.find((d) => key(d) === `${method} ${path}`)?.[2], `${method} ${path}`).toBe(status)
      }
    }))

  it.effect("GET /docs is Swagger UI that needs nothing from another host, showing the same document", () =>
    Effect.gen(function* () {
      const docs = yield* sendRaw("GET", "/docs")
      expect(docs.status).toBe(200)
      expect(docs.headers["content-type"]).toContain("text/html")
      expect(docs.text).toContain("SwaggerUIBundle(")
      expect(docs.text).toContain(`id="swagger-ui"`)

      // Every resource the page loads (src, href, CSS url() and @import) comes from this service.
      const markup = markupOf(docs.text)
      const styles = [...docs.text.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1] ?? "")
      const references = [
        ...[...markup.matchAll(/\s(?:src|href|srcset|data)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!),
        ...styles.flatMap((css) => [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']/gi)]
          .map((m) => (m[1] ?? m[2])!))
      ].filter((ref) => !ref.startsWith("data:") && !ref.startsWith("#"))
      const self = "http://service.test"
      for (const ref of references) {
        const url = new URL(ref, `${self}/docs`)
        expect(url.origin, `${ref} is loaded from another host`).toBe(self)
        const asset = yield* sendRaw("GET", `${url.pathname}${url.search}`)
        expect(asset.status, ref).toBe(200)
      }
      expect(markup).not.toMatch(/https?:\/\//i)

      // The page embeds the spec rather than fetching it, and it is the served document.
      const embedded = /<script id="swagger-spec" type="application\/json">([\s\S]*?)<\/script>/.exec(docs.text)?.[1]
      expect(embedded).toBeDefined()
      expect(JSON.parse(embedded!)).toEqual((yield* sendRaw("GET", "/openapi.json")).body)
    }))

  it.effect("every response carries X-Request-Id: the caller's own when plain, a new one otherwise", () =>
    Effect.gen(function* () {
      const answers = [
        yield* sendRaw("POST", "/operators", JSON.stringify({ name: unique("Traced") })),
        yield* sendRaw("POST", "/operators", JSON.stringify({ name: "" })),
        yield* sendRaw("GET", "/operators/999999"),
        yield* sendRaw("GET", "/no/such/route"),
        yield* sendRaw("POST", "/operators", "{", "application/json"),
        yield* sendRaw("POST", "/operators", "name=x", "application/x-www-form-urlencoded")
      ]
      expect(answers.map((a) => a.status)).toEqual([201, 400, 404, 404, 400, 400])
      const ids = answers.map((a) => a.headers["x-request-id"])
      expect(ids.map((id) => typeof id)).toEqual(ids.map(() => "string"))
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(new Set(ids).size).toBe(ids.length)
      const traced = yield* sendRaw("GET", "/operators", undefined, "application/json", { "x-request-id": "trace-42" })
      expect(traced.headers["x-request-id"]).toBe("trace-42")
      const unplain = yield* sendRaw("GET", "/operators", undefined, "application/json", { "x-request-id": "a b" })
      expect(unplain.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/)
    }))

  it.effect("an unknown path or method is a 404 RouteNotFound with a JSON body", () =>
    Effect.gen(function* () {
      const requests: ReadonlyArray<readonly ["GET" | "POST" | "DELETE", string]> = [
        ["GET", "/nowhere"],
        ["POST", "/nowhere"],
        ["GET", "/operators/1/extra"],
        ["DELETE", "/operators"],
        ["POST", "/health"]
      ]
      for (const [method, path] of requests) {
        const response = yield* sendRaw(method, path, method === "POST" ? "{}" : undefined)
        expect(response.status, `${method} ${path}`).toBe(404)
        expect(response.body, `${method} ${path}`).toEqual({ _tag: "RouteNotFound", message: expect.any(String) })
      }
    }))

  it.effect("a body that is not JSON is a 400 MalformedBody and writes nothing", () =>
    Effect.gen(function* () {
      const before = yield* countRows
      for (const body of ["{\"name\": ", "name=Anna", "{'name': 'Anna'}", "\"unterminated"]) {
        const response = yield* sendRaw("POST", "/operators", body)
        expect(response.status, body).toBe(400)
        expect(response.body, body).toEqual({ _tag: "MalformedBody", message: expect.any(String) })
      }
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("a JSON body sent with another content type than JSON is a 400 that writes nothing", () =>
    Effect.gen(function* () {
      const before = yield* countRows
      const body = JSON.stringify({ name: unique("Typed") })
      for (const contentType of ["text/plain", "application/xml", "application/octet-stream"]) {
        const response = yield* sendRaw("POST", "/operators", body, contentType)
        expect(response.status, contentType).toBe(400)
        expect(response.body, contentType).toMatchObject(ErrorBody)
      }
      expect(yield* countRows).toEqual(before)
      const withCharset = yield* sendRaw("POST", "/operators", body, "application/json; charset=utf-8")
      expect(withCharset.status).toBe(201)
    }))

  it.effect("a form-encoded or multipart body is refused with a 400 and writes nothing", () =>
    Effect.gen(function* () {
      const before = yield* countRows
      const bodies: ReadonlyArray<readonly [string, string]> = [
        [`name=${unique("Form")}`, "application/x-www-form-urlencoded"],
        [`--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n${unique("Multi")}\r\n--b--\r\n`, "multipart/form-data; boundary=b"]
      ]
      for (const [body, contentType] of bodies) {
        const response = yield* sendRaw("POST", "/sources", body, contentType)
        expect(response.status, contentType).toBe(400)
        expect(response.body, contentType).toEqual({ _tag: "UnsupportedMediaType", message: expect.any(String) })
      }
      expect(yield* countRows).toEqual(before)
    }))
}))

/**
 * Only on PostgreSQL: the server can stop accepting connections to the database while
 * the service runs. An in-memory SQLite database lives inside the process and cannot
 * become unreachable without reaching into the client's internals.
 */
describe.runIf(postgresReachable)("a database that stops accepting connections", () => {
  layer(TestApp(postgres), { excludeTestServices: true })("on postgres", (it) => {
    it.effect("turns GET /health and every other endpoint into a 503 DatabaseUnavailable", () =>
      Effect.gen(function* () {
        expect((yield* sendRaw("GET", "/health")).status).toBe(200)
        yield* refuseConnections

        const response = yield* sendRaw("GET", "/health")
        expect(response.status, response.text).toBe(503)
        expect(response.body).toEqual({ _tag: "DatabaseUnavailable", message: expect.any(String) })
        // Every other endpoint says the same rather than a bare 500.
        for (const path of ["/operators", "/stats/operators", "/contacts", "/leads"]) {
          const other = yield* sendRaw("GET", path)
          expect(other.status, path).toBe(503)
          expect(other.body, path).toEqual({ _tag: "DatabaseUnavailable", message: expect.any(String) })
        }
      }).pipe(Effect.orDie))
  })
})

layer(TestApp())("a server that drains", (it) => {
  const keepAlive = { connection: "keep-alive" }
  it.effect("answers requests in flight with Connection: close, so kept-alive clients go elsewhere", () =>
    Effect.gen(function* () {
      const before = yield* sendRaw("GET", "/operators", undefined, "application/json", keepAlive)
      expect(before.headers["connection"]).toBe("keep-alive")
      yield* Effect.flatMap(Requests, (requests) => Effect.sync(() => requests.drain()))
      const answers = [
        yield* sendRaw("GET", "/operators", undefined, "application/json", keepAlive),
        yield* sendRaw("POST", "/operators", JSON.stringify({ name: unique("Late") }), "application/json", keepAlive),
        yield* sendRaw("GET", "/operators/999999", undefined, "application/json", keepAlive)
      ]
      expect(answers.map((a) => [a.status, a.headers["connection"]])).toEqual([[200, "close"], [201, "close"], [404, "close"]])
    }))
})
