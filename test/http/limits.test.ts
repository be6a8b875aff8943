import { HttpServer } from "@effect/platform"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { request as httpRequest } from "node:http"
import { countRows, sendRaw, TestApp } from "../support/TestApp.js"
import { sqlite } from "../support/Databases.js"

const LIMIT = 2_000
const oversized = JSON.stringify({ name: "x".repeat(LIMIT * 3) })

/** Streams the body in chunks with no Content-Length, as a client that does not know its size would. */
const sendChunked = (port: number, body: string) =>
  Effect.async<number>((resume) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/operators",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
      res.resume()
      res.on("end", () => resume(Effect.succeed(res.statusCode ?? 0)))
    })
    req.on("error", () => resume(Effect.succeed(0)))
    for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500))
    req.end()
  })

layer(TestApp(sqlite, { MAX_BODY_SIZE: String(LIMIT) }))("MAX_BODY_SIZE", (it) => {
  it.effect("a body declared larger than the limit is a 413 PayloadTooLarge and writes nothing", () =>
    Effect.gen(function* () {
      const before = yield* countRows
      const response = yield* sendRaw("POST", "/operators", oversized)
      expect(response.status).toBe(413)
      expect(response.body).toMatchObject({ _tag: "PayloadTooLarge", message: expect.stringContaining(`${LIMIT}`) })
      expect(yield* countRows).toEqual(before)
    }))

  it.effect("a streamed body is cut off at the limit and writes nothing; bodies within it still work", () =>
    Effect.gen(function* () {
      const address = yield* HttpServer.addressWith((a) => Effect.succeed(a))
      const port = address._tag === "TcpAddress" ? address.port : 0
      const before = yield* countRows
      const status = yield* sendChunked(port, oversized)
      expect(status === 0 || status === 413).toBe(true)
      expect(yield* countRows).toEqual(before)
      expect(yield* sendChunked(port, JSON.stringify({ name: "fits" }))).toBe(201)
    }))
})
