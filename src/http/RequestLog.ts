import { HttpApp, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Clock, Effect, Exit } from "effect"
import { randomUUID } from "node:crypto"
import { closingWhenDraining, Draining } from "./Shutdown.js"

/** The path of a request's URL, without the query string. */
export const pathOf = (url: string) => url.split("?", 1)[0]!

/** A caller's own request id is kept when it is short and plain, so logs can be joined across services. */
const plainId = /^[\w.:-]{1,64}$/

const statusOf = (exit: Exit.Exit<HttpServerResponse.HttpServerResponse, unknown>) =>
  Exit.isSuccess(exit) ? exit.value.status : Cause.isInterruptedOnly(exit.cause) ? 499 : 500

/**
 * One JSON line per request: request_id, method, path, status, duration_ms. The
 * query string is left out (it can carry customer identifiers such as
 * external_id), and so are bodies and headers, so no token reaches the logs. Every
 * answer carries its X-Request-Id, and while the server drains, Connection: close.
 */
export const requestLog = HttpMiddleware.make((app) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const given = request.headers["x-request-id"]
    const request_id = given !== undefined && plainId.test(given) ? given : randomUUID()
    const started = yield* Clock.currentTimeNanos
    const path = pathOf(request.url)
    // The wrapped app writes its response itself; a pre-response handler is the
    // hook that still reaches every response, errors included.
    const draining = yield* Draining
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      closingWhenDraining(draining, HttpServerResponse.setHeader(response, "x-request-id", request_id)))
    return yield* app.pipe(
      Effect.onExit((exit) =>
        Effect.flatMap(Clock.currentTimeNanos, (ended) =>
          Effect.logInfo("request").pipe(
            Effect.annotateLogs({
              method: request.method,
              path,
              status: statusOf(exit),
              duration_ms: Number(ended - started) / 1e6
            })
          ))
      ),
      Effect.annotateLogs("request_id", request_id)
    )
  })
)
