import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { SqlError } from "@effect/sql"
import { Cause, Effect, Layer, Option } from "effect"
import { AppConfig } from "../services/AppConfig.js"
import { causeCode } from "../services/Sql.js"
import { bearerOf, denied, TokenCheck } from "./AuthorizationHttp.js"
import { pathOf, Requests } from "./RequestLog.js"

const reply = (status: number, _tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag, message }, { status })

const isOverLimit = (error: HttpServerError.RequestError) =>
  error.cause instanceof Error && error.cause.message === "maxBytes exceeded"

/**
 * JSON in and out: the platform would otherwise decode form and multipart bodies into
 * payloads too. Like the platform, a body without a Content-Type is read as JSON.
 */
const isJson = (contentType: string | undefined) =>
  contentType === undefined || contentType.split(";", 1)[0]!.trim().toLowerCase() === "application/json"

/**
 * A declared Content-Type counts as a body even when it is empty: the platform picks
 * its body parser by that header, and its multipart parser fails on an empty body.
 */
const hasBody = (headers: Readonly<Record<string, string | undefined>>) =>
  Number(headers["content-length"] ?? 0) > 0 || headers["transfer-encoding"] !== undefined ||
  headers["content-type"] !== undefined

/** The methods of our writes; any other method on any path is left to the router (a 404). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"])

/** The paths SPEC.md leaves open whatever API_TOKEN says; any method on them is left to the router. */
const OPEN_PATHS = new Set(["/health", "/docs", "/openapi.json"])

/** Our schemas nest three levels deep; a body nested deeper than this is refused before anything walks it. */
const MAX_DEPTH = 64

const nestingDepth = (text: string) => {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth)
    else if (c === 93 || c === 125) depth--
  }
  return deepest
}

/**
 * Longer than any line our schemas write (the longest, describing a query's whole
 * schema, is under 500 characters), so only a line quoting a refused value is cut.
 */
const MAX_LINE = 1_000

const cut = (line: string) => {
  if (line.length <= MAX_LINE) return line
  // Never half a surrogate pair: the answer stays well-formed text.
  const end = /[\uD800-\uDBFF]/.test(line[MAX_LINE - 1]!) ? MAX_LINE - 1 : MAX_LINE
  return `${line.slice(0, end)}… (cut short)`
}

/** Line by line, so the tree of a message keeps every branch and its reason at the end. */
const shorten = (text: string) => text.split("\n").map(cut).join("\n")

const isLong = (error: HttpApiError.HttpApiDecodeError) =>
  [error.message, ...error.issues.map((issue) => issue.message)].some((text) =>
    text.split("\n").some((line) => line.length > MAX_LINE))

/**
 * The platform's decode errors quote the value they refused, whole: a 1 MB body of
 * the wrong shape would come back as a 3 MB answer. Such an answer is sent with its
 * quotes cut short, in the platform's own shape.
 */
const longDecodeError = (cause: Cause.Cause<unknown>) =>
  Option.filter(
    Cause.failureOption(cause),
    (error): error is HttpApiError.HttpApiDecodeError => error instanceof HttpApiError.HttpApiDecodeError && isLong(error)
  )

const bounded = (error: HttpApiError.HttpApiDecodeError) =>
  HttpServerResponse.unsafeJson({
    _tag: error._tag,
    issues: error.issues.map((issue) => ({ ...issue, message: shorten(issue.message) })),
    message: shorten(error.message)
  }, { status: 400 })

/**
 * A statement the database refused as wrong (PostgreSQL classes 22, 23 and 42, SQLite's
 * constraint, type and syntax errors) is a bug of ours: 500. Anything else from the
 * database (refused or dropped connections, locks held too long, a full disk) means it
 * is unavailable: 503.
 */
const isStatementError = (code: string) =>
  /^(22|23|42)[0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|MISMATCH|RANGE|ERROR|TOOBIG)/.test(code)

/**
 * MAX_BODY_SIZE for every request, given once to the routes: the platform reads a body
 * only up to it. Set per request, it would copy the request's whole context each time.
 */
export const bodyLimit = Layer.effect(
  HttpIncomingMessage.MaxBodySize,
  Effect.map(AppConfig, ({ maxBodyBytes }) => Option.some(FileSystem.Size(maxBodyBytes)))
)

/**
 * Wraps every route. A POST, PUT or PATCH to a protected path is checked for the
 * bearer token (when one is configured) before anything about its body: an anonymous
 * caller gets a 401 whatever it sent, and the server reads none of it. Bodies over
 * MAX_BODY_SIZE get a 413: at once when the declared
 * Content-Length is too big (nothing is read), otherwise as soon as the stream passes
 * the limit. The failures the API definition cannot declare get the same
 * `{_tag, message}` body as every other error: a body that is not JSON (the platform
 * turns it into a defect), an unavailable database (503) and any other defect
 * (logged, then a 500). Declared errors pass through to the platform, which encodes
 * them with their own schema and status.
 */
export const guards = Effect.gen(function* () {
  const { maxBodyBytes } = yield* AppConfig
  const accepts = yield* TokenCheck
  const requests = yield* Requests
  const unauthorized = reply(401, denied._tag, denied.message)
  const tooLarge = reply(413, "PayloadTooLarge", `the request body is larger than ${maxBodyBytes} bytes`)
  const unsupported = reply(400, "UnsupportedMediaType", "bodies must be JSON, sent with Content-Type: application/json")
  const tooDeep = reply(400, "MalformedBody", `the body is nested more than ${MAX_DEPTH} levels deep`)

  return (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (BODY_METHODS.has(request.method) && !OPEN_PATHS.has(pathOf(request.url)) && !accepts(bearerOf(request.headers))) {
        return unauthorized
      }
      const declared = Number(request.headers["content-length"] ?? 0)
      if (declared > maxBodyBytes) return tooLarge
      if (request.method === "GET" || request.method === "HEAD" || !hasBody(request.headers)) return yield* app
      if (!isJson(request.headers["content-type"])) return unsupported
      // The text is cached by the request, so the platform's JSON decoding reads it from
      // memory. It is read within `bodyLimit`.
      const text = yield* Effect.orDie(request.text)
      return nestingDepth(text) > MAX_DEPTH ? tooDeep : yield* app
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.gen(function* () {
          const decodeError = longDecodeError(cause)
          if (Option.isSome(decodeError)) return bounded(decodeError.value)
          const defect = Cause.dieOption(cause)
          if (Option.isNone(defect) || Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
          const error = defect.value
          const request = yield* HttpServerRequest.HttpServerRequest
          if (HttpServerError.isServerError(error) && error._tag === "RequestError" && error.reason === "Decode") {
            if (isOverLimit(error)) return tooLarge
            return reply(400, "MalformedBody", `the body of ${request.method} ${request.url} is not valid JSON`)
          }
          yield* Effect.annotateLogs(Effect.logError("request failed", cause), "request_id", requests.idOf(request))
          if (error instanceof SqlError.SqlError && !isStatementError(causeCode(error))) {
            return reply(503, "DatabaseUnavailable", "the database is unavailable, try again later")
          }
          return reply(500, "InternalError", "the server failed to handle the request")
        })
      )
    )
})
