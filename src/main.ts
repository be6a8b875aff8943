import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { AppLive } from "./http/Server.js"
import { AppConfig } from "./services/AppConfig.js"

const ServerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ host, port }) => NodeHttpServer.layer(createServer, { host, port }))
).pipe(Layer.provide(AppConfig.Default))

AppLive.pipe(HttpServer.withLogAddress, Layer.provide(ServerLive), Layer.launch, (main) =>
  NodeRuntime.runMain(main, { disablePrettyLogger: true }))
