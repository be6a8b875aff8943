import { expect, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { forEachDatabase } from "../support/Databases.js"
import { sendRaw, TestApp } from "../support/TestApp.js"

const TOKEN = "s3cret-token"
const OPEN = new Set(["/health", "/docs", "/openapi.json"])

const Document = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  components: Schema.Struct({ securitySchemes: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
})

const Methods = Schema.Literal("GET", "POST", "PUT", "PATCH")

forEachDatabase((db) => layer(TestApp(db, { API_TOKEN: TOKEN }))(`API_TOKEN on ${db.name}`, (it) => {
  it.effect("every operation in the OpenAPI document but /health needs the bearer token", () =>
    Effect.gen(function* () {
      const document = Schema.decodeUnknownSync(Document)((yield* sendRaw("GET", "/openapi.json")).body)
      expect(Object.keys(document.components.securitySchemes)).toContain("bearer")
      let checked = 0
      for (const [template, operations] of Object.entries(document.paths)) {
        const path = template.replace("{id}", "1")
        for (const method of Object.keys(operations).map((m) => Schema.decodeUnknownSync(Methods)(m.toUpperCase()))) {
          const body = method === "GET" ? undefined : "{}"
          const without = yield* sendRaw(method, path, body)
          const wrong = yield* sendRaw(method, path, body, "application/json", { authorization: "Bearer nope" })
          const right = yield* sendRaw(method, path, body, "application/json", { authorization: `Bearer ${TOKEN}` })
          if (OPEN.has(template)) {
            expect(without.status, `${method} ${template}`).toBe(200)
            continue
          }
          for (const denied of [without, wrong]) {
            expect(denied.status, `${method} ${template}`).toBe(401)
            expect(denied.body).toMatchObject({ _tag: "Unauthorized", message: expect.any(String) })
          }
          expect(right.status, `${method} ${template}`).not.toBe(401)
          checked++
        }
      }
      expect(checked).toBeGreaterThanOrEqual(17)
    }))

  it.effect("a write without the token is a 401 whatever its body, checked before the body is read", () =>
    Effect.gen(function* () {
      const deep = "[".repeat(100) + "]".repeat(100)
      const cases = [
        { body: "name=x", contentType: "text/plain", withToken: 400 },
        { body: deep, contentType: "application/json", withToken: 400 },
        { body: "{", contentType: "application/json", withToken: 400 }
      ]
      for (const { body, contentType, withToken } of cases) {
        const without = yield* sendRaw("POST", "/operators", body, contentType)
        expect(without.status, body).toBe(401)
        expect(without.body).toMatchObject({ _tag: "Unauthorized", message: expect.any(String) })
        const right = yield* sendRaw("POST", "/operators", body, contentType, { authorization: `Bearer ${TOKEN}` })
        expect(right.status, body).toBe(withToken)
      }
      const huge = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) })
      expect((yield* sendRaw("POST", "/operators", huge)).status).toBe(401)
      expect((yield* sendRaw("POST", "/operators", huge, "application/json", { authorization: `Bearer ${TOKEN}` })).status)
        .toBe(413)
    }))

  it.effect("only writes to the protected paths are refused early: other methods and the open paths reach the router", () =>
    Effect.gen(function* () {
      for (const path of ["/health", "/openapi.json", "/docs"]) {
        expect((yield* sendRaw("POST", path, "{}")).status, `POST ${path}`).toBe(404)
      }
      expect((yield* sendRaw("DELETE", "/operators/1")).status).toBe(404)
      expect((yield* sendRaw("GET", "/no/such/route")).status).toBe(404)
    }))

  it.effect("Swagger UI and the OpenAPI document stay open", () =>
    Effect.gen(function* () {
      const docs = yield* sendRaw("GET", "/docs")
      expect(docs.status).toBe(200)
      expect(docs.text).toContain("swagger-ui")
      expect((yield* sendRaw("GET", "/openapi.json")).status).toBe(200)
    }))
}))
