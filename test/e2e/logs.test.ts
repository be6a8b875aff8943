import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { connect, createServer, type Socket } from "node:net"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { request, startReplica } from "../support/Replica.js"

const TOKEN = "tok-do-not-log-4711"
const SECRET_NAME = "body-do-not-log-0815"
const CUSTOMER = "customer-do-not-log@example.com"

const Line = Schema.parseJson(Schema.Struct({
  message: Schema.Unknown,
  logLevel: Schema.String,
  annotations: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}))
const RequestLine = Schema.Struct({
  request_id: Schema.String,
  method: Schema.String,
  path: Schema.String,
  status: Schema.Number,
  duration_ms: Schema.Number
})

const lines = (output: string) =>
  output.split("\n").filter((line) => line.trim().length > 0).map((line) => Schema.decodeUnknownSync(Line)(line))

/** Three requests: an authorised write with a body, a read with a customer in the query, and a rejected one. */
const traffic = (url: string) =>
  Effect.promise(async () => {
    const auth = { authorization: `Bearer ${TOKEN}` }
    await request(`${url}/operators`, "POST", { name: SECRET_NAME }, { ...auth, "x-request-id": "trace-1" })
    await request(`${url}/leads?external_id=${encodeURIComponent(CUSTOMER)}`, "GET", undefined, auth)
    await request(`${url}/operators`, "POST", { name: "" }, auth)
  })

const requestLines = (output: string) =>
  lines(output).filter((line) => line.message === "request").map((line) => Schema.decodeUnknownSync(RequestLine)(line.annotations))

/** A POST /operators over a raw socket, sent up to the middle of its body: the server is then reading it. */
const halfSent = (url: string, requestId: string) =>
  Effect.async<{ socket: Socket; rest: string; received: () => string }>((resume) => {
    const body = JSON.stringify({ name: `late-${requestId}` })
    const socket = connect(Number(new URL(url).port), "127.0.0.1")
    let received = ""
    socket.on("data", (chunk) => (received += chunk.toString()))
    socket.on("error", () => {})
    socket.on("connect", () => {
      socket.write(
        `POST /operators HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\nX-Request-Id: ${requestId}\r\n\r\n${body.slice(0, 5)}`
      )
      resume(Effect.succeed({ socket, rest: body.slice(5), received: () => received }))
    })
  })

describe("request logs", () => {
  it.live("are one JSON line per request, with id, method, path, status and duration, and no token, body or query", () =>
    Effect.gen(function* () {
      const replica = yield* startReplica({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "info", API_TOKEN: TOKEN })
      const before = lines(replica.output()).length
      yield* traffic(replica.url)
      yield* Effect.sleep("200 millis")
      const output = replica.output()
      const requests = lines(output).slice(before).filter((line) => line.message === "request")
        .map((line) => Schema.decodeUnknownSync(RequestLine)(line.annotations))
        .filter((line) => line.path !== "/health") // the start-up readiness probe
      expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
        ["POST", "/operators", 201], ["GET", "/leads", 200], ["POST", "/operators", 400]
      ])
      expect(requests[0]?.request_id).toBe("trace-1")
      expect(new Set(requests.map((r) => r.request_id)).size).toBe(3)
      for (const secret of [TOKEN, SECRET_NAME, CUSTOMER, "customer-do-not-log"]) expect(output).not.toContain(secret)
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("respect LOG_LEVEL: at warn, requests are not logged", () =>
    Effect.gen(function* () {
      const replica = yield* startReplica({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "warn", API_TOKEN: TOKEN })
      yield* traffic(replica.url)
      yield* Effect.sleep("200 millis")
      const levels = lines(replica.output()).map((line) => line.logLevel)
      expect(levels.filter((level) => level === "INFO" || level === "DEBUG")).toEqual([])
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("log a request whose client hung up before its answer with status 499", () =>
    Effect.gen(function* () {
      const replica = yield* startReplica({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "info" })
      const { socket } = yield* halfSent(replica.url, "hung-up-1")
      yield* Effect.sleep("200 millis")
      socket.destroy()
      yield* Effect.sleep("300 millis")
      const line = requestLines(replica.output()).find((r) => r.request_id === "hung-up-1")
      expect(line).toMatchObject({ method: "POST", path: "/operators", status: 499 })
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("on SIGTERM, a request in flight is answered with Connection: close and logged before the process exits", () =>
    Effect.gen(function* () {
      const replica = yield* startReplica({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "info" })
      const inFlight = yield* halfSent(replica.url, "in-flight-1")
      yield* Effect.sleep("200 millis")
      replica.process.kill("SIGTERM")
      // The server now drains: it waits for the request it is reading.
      yield* Effect.sleep("50 millis").pipe(
        Effect.repeat({ until: () => replica.output().includes("shutting down: draining requests in flight") }),
        Effect.timeout("20 seconds")
      )
      inFlight.socket.write(inFlight.rest)
      expect(yield* replica.exited).toBe(0)
      const head = inFlight.received().split("\r\n\r\n", 1)[0]!.toLowerCase()
      expect(head).toMatch(/^http\/1.1 201/)
      expect(head).toContain("connection: close")
      const line = requestLines(replica.output()).find((r) => r.request_id === "in-flight-1")
      expect(line).toMatchObject({ method: "POST", path: "/operators", status: 201 })
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("log a start-up failure with its cause before the process exits non-zero", () =>
    Effect.gen(function* () {
      const taken = createServer()
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void taken.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => taken.close())
      )
      const address = taken.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const run = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: "sqlite::memory:" },
        encoding: "utf8",
        timeout: 30_000
      })
      expect(run.status).not.toBe(0)
      const output = run.stdout + run.stderr
      const failure = output.split("\n").filter((line) => line.includes("EADDRINUSE"))
      expect(failure, output).toHaveLength(1)
      expect(lines(failure[0]!)[0]?.logLevel).toBe("ERROR")
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
