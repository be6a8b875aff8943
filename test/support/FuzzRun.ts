import { HttpClient, HttpClientRequest } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Cause, Clock, Effect } from "effect"
import type { FuzzRequest } from "./Fuzz.js"

export interface Reply {
  readonly status: number
  readonly text: string
}

/** Sends the request's bytes as they are: no re-encoding, and no Content-Type when it is "". */
export const sendBytes = (request: FuzzRequest): Effect.Effect<Reply, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    let outgoing = HttpClientRequest.make(request.method)(request.path).pipe(HttpClientRequest.setHeaders(request.headers))
    if (request.body !== undefined) {
      outgoing = HttpClientRequest.bodyUint8Array(outgoing, request.body.bytes, request.body.contentType)
    }
    const response = yield* client.execute(outgoing)
    return { status: response.status, text: yield* response.text }
  }).pipe(
    Effect.scoped,
    // disconnect: a request the server never answers must not hold the run while it is torn down.
    Effect.disconnect,
    Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "no response within 2 s" }),
    // The real clock even under it.effect's TestClock, where the 2 s would never pass.
    Effect.withClock(Clock.make()),
    // No response (a hang, a reset connection, an unsendable request) is status 0, not a thrown error.
    Effect.catchAllCause((cause) => Effect.succeed({ status: 0, text: Cause.pretty(cause) }))
  )

/**
 * Row counts plus weighted sums over every column a request may change, in one
 * query: cheap enough to take after each request, and moved by any write that sticks.
 * Names count by length and first character (no portable text hash in SQL).
 */
export const fingerprint = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const first = sql.onDialectOrElse({ pg: () => "ASCII", orElse: () => "UNICODE" })
  const rows = yield* sql.unsafe<Record<string, unknown>>(`SELECT
    (SELECT COUNT(*) FROM operators) AS operators,
    (SELECT SUM(CAST(id AS BIGINT) * (max_load + 3) + is_active * 7 + load * 11 + LENGTH(name) * 13
      + ${first}(name) * 17) FROM operators) AS operator_sum,
    (SELECT COUNT(*) FROM sources) AS sources,
    (SELECT SUM(CAST(id AS BIGINT) * (LENGTH(name) + 3) + COALESCE(LENGTH(description), -1) * 7
      + ${first}(name)) FROM sources) AS source_sum,
    (SELECT COUNT(*) FROM source_operators) AS weights,
    (SELECT SUM(CAST(source_id AS BIGINT) * 1000003 + CAST(operator_id AS BIGINT) * weight) FROM source_operators) AS weight_sum,
    (SELECT COUNT(*) FROM leads) AS leads,
    (SELECT SUM(CAST(id AS BIGINT) * (contacts_count + 1) + LENGTH(external_id)) FROM leads) AS lead_sum,
    (SELECT COUNT(*) FROM contacts) AS contacts,
    (SELECT SUM(CAST(id AS BIGINT) * (is_active + 2) + COALESCE(operator_id, 0) * 5
      + COALESCE(LENGTH(closed_at), 0)) FROM contacts) AS contact_sum,
    (SELECT SUM(CAST(source_id AS BIGINT) * 7 + operator_id * 11 + active * 13 + total * 17) FROM contact_counts) AS count_sum,
    (SELECT COUNT(*) FROM idempotency_keys) AS idempotency_keys`)
  return JSON.stringify(rows[0])
}).pipe(Effect.orDie)

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * What is wrong with one exchange by the rules of SPEC.md, empty when nothing is.
 * `wrote`: the fingerprint moved; `limit`: the server's MAX_BODY_SIZE.
 */
export const problemsOf = (request: FuzzRequest, reply: Reply, wrote: boolean, limit: number) => {
  const problems: Array<string> = []
  if (reply.status === 0) problems.push("no HTTP response")
  if (reply.status >= 500) problems.push("5xx on client input")
  if (reply.status >= 300) {
    const body = parse(reply.text)
    const shaped = typeof body === "object" && body !== null && "_tag" in body && "message" in body &&
      typeof body._tag === "string" && typeof body.message === "string"
    if (!shaped) problems.push("error body is not JSON {_tag, message}")
  }
  if (reply.status >= 400 && wrote) problems.push("rejected request changed the database")
  if (request.method === "GET" && wrote) problems.push("GET changed the database")
  const size = request.body?.bytes.length ?? 0
  if (size > limit && reply.status !== 413) problems.push("body over the limit is not a 413")
  if (size <= limit && reply.status === 413) problems.push("body within the limit is a 413")
  // Drawn from the schemas themselves: only a conflict, an unknown id or the size limit may refuse it.
  if (request.variant === "valid" && reply.status === 400) problems.push("schema-valid request refused as 400")
  return problems
}

/** The request as one line a person can replay: method, path, content type, headers, body (cut at 160 bytes). */
export const describeRequest = (request: FuzzRequest) => {
  const bytes = request.body?.bytes ?? new Uint8Array()
  const text = new TextDecoder().decode(bytes.subarray(0, 160))
  const valid = (() => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes)
      return true
    } catch {
      return false
    }
  })()
  const body = bytes.length === 0
    ? "(empty body)"
    : `${JSON.stringify(text)}${bytes.length > 160 ? `… (${bytes.length} bytes)` : ""}${valid ? "" : " (invalid UTF-8)"}`
  const type = request.body === undefined ? "no body" : `Content-Type: ${request.body.contentType || "(none)"}`
  return `${request.method} ${request.path.slice(0, 200)} [${type}] ${JSON.stringify(request.headers)} ${body}`
}
