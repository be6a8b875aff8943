import { HttpApp, HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Option } from "effect"

const reply = (status: number, _tag: string, message: string) =>
  HttpServerResponse.unsafeJson({ _tag, message }, { status })

/**
 * Gives the failures the API definition cannot declare the same `{_tag, message}`
 * body as every other error: a body that is not JSON (the platform turns it into a
 * defect) and any other defect (logged, then a 500). Declared errors pass through
 * to the platform, which encodes them with their own schema and status.
 */
export const jsonErrors = (app: HttpApp.Default): HttpApp.Default =>
  Effect.catchAllCause(app, (cause) =>
    Effect.gen(function* () {
      const defect = Cause.dieOption(cause)
      if (Option.isNone(defect) || Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
      const error = defect.value
      if (HttpServerError.isServerError(error) && error._tag === "RequestError" && error.reason === "Decode") {
        const request = yield* HttpServerRequest.HttpServerRequest
        return reply(400, "MalformedBody", `the body of ${request.method} ${request.url} is not valid JSON`)
      }
      yield* Effect.logError("request failed", cause)
      return reply(500, "InternalError", "the server failed to handle the request")
    })
  )
