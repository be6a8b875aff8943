import { HttpApp, HttpIncomingMessage, HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option } from "effect"
import { AppConfig } from "../services/AppConfig.js"

const reply = (status: number, _tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag, message }, { status })

const isOverLimit = (error: HttpServerError.RequestError) =>
  error.cause instanceof Error && error.cause.message === "maxBytes exceeded"

/** JSON in and out: the platform would otherwise decode form and multipart bodies into payloads too. */
const isJson = (contentType: string | undefined) => {
  const media = (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase()
  return media === "application/json" || media.endsWith("+json")
}

const hasBody = (headers: Readonly<Record<string, string | undefined>>) =>
  Number(headers["content-length"] ?? 0) > 0 || headers["transfer-encoding"] !== undefined

const isSqlError = (error: unknown) =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "SqlError"

/**
 * Wraps every route. Bodies over MAX_BODY_SIZE get a 413: at once when the declared
 * Content-Length is too big (nothing is read), otherwise as soon as the stream passes
 * the limit. The failures the API definition cannot declare get the same
 * `{_tag, message}` body as every other error: a body that is not JSON (the platform
 * turns it into a defect), a failing database (503) and any other defect (logged,
 * then a 500). Declared errors
 * pass through to the platform, which encodes them with their own schema and status.
 */
export const guards = Effect.map(AppConfig, ({ maxBodyBytes }) => {
  const tooLarge = reply(413, "PayloadTooLarge", `the request body is larger than ${maxBodyBytes} bytes`)
  const limit = Option.some(maxBodyBytes)

  return (app: HttpApp.Default): HttpApp.Default =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const declared = Number(request.headers["content-length"] ?? 0)
      if (declared > maxBodyBytes) return tooLarge
      if (hasBody(request.headers) && !isJson(request.headers["content-type"])) {
        return reply(400, "UnsupportedMediaType", "request bodies must be JSON, sent with Content-Type: application/json")
      }
      return yield* HttpIncomingMessage.withMaxBodySize(app, limit)
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.gen(function* () {
          const defect = Cause.dieOption(cause)
          if (Option.isNone(defect) || Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
          const error = defect.value
          if (HttpServerError.isServerError(error) && error._tag === "RequestError" && error.reason === "Decode") {
            if (isOverLimit(error)) return tooLarge
            const request = yield* HttpServerRequest.HttpServerRequest
            return reply(400, "MalformedBody", `the body of ${request.method} ${request.url} is not valid JSON`)
          }
          yield* Effect.logError("request failed", cause)
          // Queries are written and tested; one that fails means the database is the problem.
          if (isSqlError(error)) return reply(503, "DatabaseUnavailable", "the database is unavailable, try again later")
          return reply(500, "InternalError", "the server failed to handle the request")
        })
      )
    )
})
