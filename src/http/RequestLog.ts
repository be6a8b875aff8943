import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Cause, Context, Effect, FiberRef, HashMap, Layer, List, LogLevel } from "effect"
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"

/** The path of a request's URL, without the query string. */
export const pathOf = (url: string) => url.split("?", 1)[0]!

/** A caller's own request id is kept when it is short and plain, so logs can be joined across services. */
const plainId = /^[\w.:-]{1,64}$/

interface Line {
  readonly request_id: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly duration_ms: number
}

/**
 * The requests in flight: each one's id, its log line once its answer is out, and
 * whether answers close their connections (from the moment the server drains).
 */
export class Requests extends Context.Tag("Requests")<Requests, {
  /** Called as a request comes in: gives it its id and logs it when its answer is out. */
  readonly begin: (request: HttpServerRequest.HttpServerRequest) => void
  /** The id `begin` gave the request. */
  readonly idOf: (request: HttpServerRequest.HttpServerRequest) => string
  /** From now on every answer, including those of the requests in flight, closes its connection. */
  readonly drain: () => void
}>() {}

/**
 * One JSON line per request: request_id, method, path, status, duration_ms. The
 * query string is left out (it can carry customer identifiers such as external_id),
 * and so are bodies and headers, so no token reaches the logs. Every answer carries
 * its X-Request-Id, and while the server drains, Connection: close.
 *
 * This is kept on Node's request and response rather than in effects around each
 * request: the header, the clock and the outcome are plain calls there, while as
 * effects (an exit hook, a pre-response handler, two log-annotation scopes and the
 * log call) they cost ~10 % of a registration's instructions (docs/performance.md).
 * The lines are still formatted and batched by the service's logger. A line is
 * written when its answer has gone out, with the time until then; a request whose
 * client went away before that is logged with status 499.
 */
export const RequestsLive = Layer.effect(
  Requests,
  Effect.gen(function* () {
    // What `Effect.logInfo` would use on a request's fiber: the same loggers, level and
    // fiber refs. A line is handed to the loggers directly as the answer goes out; run
    // as an effect there, each one would need a fiber of its own.
    const loggers = yield* FiberRef.get(FiberRef.currentLoggers)
    const logs = LogLevel.greaterThanEqual(LogLevel.Info, yield* FiberRef.get(FiberRef.currentMinimumLogLevel))
    const context = yield* Effect.getFiberRefs
    const fiberId = yield* Effect.fiberId
    // As `Effect.logInfo("request")` passes it: the list of its arguments.
    const message = ["request"]
    const log = (line: Line) => {
      const options = {
        fiberId,
        logLevel: LogLevel.Info,
        message,
        cause: Cause.empty,
        context,
        spans: List.empty(),
        annotations: HashMap.make(
          ["request_id", line.request_id],
          ["method", line.method],
          ["path", line.path],
          ["status", line.status],
          ["duration_ms", line.duration_ms]
        ),
        date: new Date()
      }
      for (const logger of loggers) logger.log(options)
    }

    const ids = new WeakMap<IncomingMessage, string>()
    const open = new Set<ServerResponse>()
    let draining = false

    return Requests.of({
      begin: (request) => {
        const incoming = NodeHttpServerRequest.toIncomingMessage(request)
        const response = NodeHttpServerRequest.toServerResponse(request)
        const given = incoming.headers["x-request-id"]
        const request_id = typeof given === "string" && plainId.test(given) ? given : randomUUID()
        const started = performance.now()
        const { method } = request
        const path = pathOf(request.url)
        ids.set(incoming, request_id)
        // Node merges these with the headers the platform writes the answer with.
        response.setHeader("x-request-id", request_id)
        if (draining) response.setHeader("connection", "close")
        else open.add(response)
        response.once("close", () => {
          open.delete(response)
          if (logs) {
            log({
              request_id,
              method,
              path,
              status: response.writableFinished ? response.statusCode : 499,
              duration_ms: performance.now() - started
            })
          }
        })
      },
      idOf: (request) => ids.get(NodeHttpServerRequest.toIncomingMessage(request)) ?? "",
      drain: () => {
        draining = true
        for (const response of open) if (!response.headersSent) response.setHeader("connection", "close")
        open.clear()
      }
    })
  })
)

/** Hands every request to `Requests` as it comes in. */
export const requestLog = <E, R>(
  app: HttpApp.Default<E, R>
): HttpApp.Default<E, R | Requests | HttpServerRequest.HttpServerRequest> =>
  Effect.withFiberRuntime<HttpServerResponse.HttpServerResponse, E, R | Requests | HttpServerRequest.HttpServerRequest>(
    (fiber) => {
      const context = fiber.currentContext as Context.Context<Requests | HttpServerRequest.HttpServerRequest>
      Context.get(context, Requests).begin(Context.get(context, HttpServerRequest.HttpServerRequest))
      return app
    }
  )
