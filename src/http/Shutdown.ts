import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Duration, Effect, Layer } from "effect"
import { createServer } from "node:http"
import { AppConfig } from "../services/AppConfig.js"
import { Requests } from "./RequestLog.js"

/**
 * The Node server on HOST:PORT (`listen`), and how it drains on shutdown (`drain`,
 * to be built after the routes so that it is released before them). Draining: the
 * server stops accepting, answers close their connections, and the routes stay
 * attached until the last connection has ended; connections still open after
 * SHUTDOWN_GRACE are cut. Released after the routes instead, a request arriving in
 * between would find no handler and wait out the whole grace.
 */
export const nodeServer = () => {
  const server = createServer()
  const listen = Layer.unwrapEffect(
    Effect.map(AppConfig, ({ host, port }) => NodeHttpServer.layer(() => server, { host, port }))
  )
  const drain = Layer.scopedDiscard(
    Effect.gen(function* () {
      const { shutdownGrace } = yield* AppConfig
      const requests = yield* Requests
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          yield* Effect.logInfo("shutting down: draining requests in flight")
          // Kept-alive connections then close one by one as their last answer goes out,
          // instead of being cut while a next request may already be on its way.
          yield* Effect.sync(() => requests.drain())
          // Plain callbacks rather than a race of effects: finalizers run
          // uninterruptibly, so a race could never stop its loser.
          yield* Effect.async<void>((resume) => {
            const cut = setTimeout(() => server.closeAllConnections(), Duration.toMillis(shutdownGrace))
            server.close(() => {
              clearTimeout(cut)
              resume(Effect.void)
            })
          })
        })
      )
    })
  )
  return { listen, drain }
}
