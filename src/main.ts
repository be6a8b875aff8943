import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { launch, servicesLive, withServer } from "./http/Server.js"
import { AppConfig } from "./services/AppConfig.js"

/**
 * Listens on HOST:PORT. On shutdown the server stops accepting and waits for the
 * requests in flight; connections still open after SHUTDOWN_GRACE are cut.
 */
const ServerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ host, port, shutdownGrace }) => {
    const server = createServer()
    const grace = Layer.scopedDiscard(
      Effect.addFinalizer(() =>
        Effect.gen(function* () {
          yield* Effect.logInfo("shutting down: draining requests in flight")
          server.closeIdleConnections()
          yield* Effect.sleep(shutdownGrace).pipe(
            Effect.andThen(() => server.closeAllConnections()),
            Effect.forkDaemon
          )
        }))
    )
    return Layer.provideMerge(grace, NodeHttpServer.layer(() => server, { host, port }))
  })
).pipe(Layer.provide(AppConfig.Default))

/** Beside this file: registrar.js when built, registrar.ts when run through tsx. */
const registrar = new URL(import.meta.url.endsWith(".ts") ? "./registrar.ts" : "./registrar.js", import.meta.url)

withServer(ServerLive, servicesLive(registrar)).pipe(HttpServer.withLogAddress, launch, (main) =>
  NodeRuntime.runMain(main, { disablePrettyLogger: true }))
