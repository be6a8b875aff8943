import { WorkerRunner } from "@effect/platform"
import { NodeRuntime, NodeWorkerRunner } from "@effect/platform-node"
import { ConfigProvider, Layer } from "effect"
import { workerData } from "node:worker_threads"
import { AppConfig } from "./services/AppConfig.js"
import { Contacts } from "./services/Contacts.js"
import { DatabaseLive } from "./services/Database.js"
import { RegistrarLive } from "./services/Registrar.js"
import { RuntimeLive } from "./services/Runtime.js"

/**
 * The registrar thread, started by the service itself (REGISTRATION_THREAD): its own
 * connection to the same database, and the registrations of POST /contacts. It ends
 * when the service closes it, after the requests in flight have been answered.
 */
RegistrarLive.pipe(
  Layer.provide(NodeWorkerRunner.layer),
  Layer.provide(Contacts.Default),
  Layer.provide(DatabaseLive),
  Layer.provide(RuntimeLive),
  Layer.provide(AppConfig.Default),
  // Configured like the thread that started it, whatever that thread's provider.
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(workerData))),
  WorkerRunner.launch,
  (main) => NodeRuntime.runMain(main, { disablePrettyLogger: true })
)
