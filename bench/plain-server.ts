import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { makeRegister, openLikeService, type RegisterInput } from "./registration.js"

/**
 * Benchmark tooling only: the floor under the service's POST /contacts. A bare
 * node:http server running the same transaction on better-sqlite3, configured by
 * the same environment variables as the service (PORT, HOST, DATABASE_URL=sqlite:…,
 * API_TOKEN, LOG_LEVEL) and, at info level, writing the same kind of one-line
 * JSON request log, so the two are compared like for like.
 */
const env = process.env
const databaseUrl = env.DATABASE_URL ?? ""
if (!databaseUrl.startsWith("sqlite:")) throw new Error("plain-server needs DATABASE_URL=sqlite:<path>")
const db = openLikeService(databaseUrl.slice("sqlite:".length))
const register = makeRegister(db)
const token = env.API_TOKEN ?? ""
const logRequests = ["all", "trace", "debug", "info"].includes((env.LOG_LEVEL ?? "info").toLowerCase())
const MAX_BODY = 1024 * 1024

const reply = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}
const fail = (res: ServerResponse, status: number, _tag: string, message: string) => reply(res, status, { _tag, message })

/** The schema's rules for RegisterContact: strict keys, trimmed external_id, positive integer source_id. */
const validate = (body: unknown): RegisterInput | string => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body must be a JSON object"
  for (const key of Object.keys(body)) if (!["external_id", "source_id", "message"].includes(key)) return `unexpected field ${key}`
  const external_id = "external_id" in body ? body.external_id : undefined
  const source_id = "source_id" in body ? body.source_id : undefined
  const message = "message" in body ? body.message : undefined
  if (typeof external_id !== "string") return "external_id must be a string"
  const trimmed = external_id.trim()
  if (trimmed.length < 1 || trimmed.length > 255) return "external_id must be 1–255 characters after trimming"
  if (typeof source_id !== "number" || !Number.isInteger(source_id) || source_id <= 0) return "source_id must be a positive integer"
  if (message !== undefined && message !== null && (typeof message !== "string" || message.length > 10_000)) {
    return "message must be a string of at most 10000 characters"
  }
  return { external_id: trimmed, source_id, message: message ?? null }
}

const registerContact = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Array<Buffer> = []
  let size = 0
  req.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= MAX_BODY) chunks.push(chunk)
  })
  req.on("end", () => {
    if (size > MAX_BODY) return fail(res, 413, "PayloadTooLarge", `the request body is larger than ${MAX_BODY} bytes`)
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
      return fail(res, 400, "MalformedBody", "the body of POST /contacts is not valid JSON")
    }
    const input = validate(body)
    if (typeof input === "string") return fail(res, 400, "ValidationError", input)
    const contact = register(input)
    if (contact === undefined) return fail(res, 404, "SourceNotFound", `source ${input.source_id} does not exist`)
    reply(res, 201, { ...contact, is_active: contact.is_active !== 0 })
  })
}

const server = createServer((req, res) => {
  const started = process.hrtime.bigint()
  const request_id = randomUUID()
  res.setHeader("x-request-id", request_id)
  if (logRequests) {
    res.on("finish", () => {
      const duration_ms = Number(process.hrtime.bigint() - started) / 1e6
      process.stdout.write(`${JSON.stringify({
        message: "request", logLevel: "INFO", timestamp: new Date().toISOString(),
        annotations: { request_id, method: req.method, path: (req.url ?? "").split("?", 1)[0], status: res.statusCode, duration_ms }
      })}\n`)
    })
  }
  if (token !== "" && req.headers.authorization !== `Bearer ${token}`) {
    return fail(res, 401, "Unauthorized", "missing or wrong bearer token")
  }
  if (req.method === "POST" && req.url === "/contacts") return registerContact(req, res)
  fail(res, 404, "RouteNotFound", `${req.method} ${req.url} is not served here`)
})

server.listen(Number(env.PORT ?? 8000), env.HOST ?? "0.0.0.0", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  process.stdout.write(`${JSON.stringify({ message: `Listening on http://${env.HOST ?? "0.0.0.0"}:${port}`, logLevel: "INFO" })}\n`)
})

process.once("SIGTERM", () => {
  server.close(() => {
    db.close()
    process.exit(0)
  })
  server.closeIdleConnections()
})
