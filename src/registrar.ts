import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ConfigProvider, Effect, Layer } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { AppConfig } from "./services/AppConfig.js"
import { Contacts } from "./services/Contacts.js"
import { DatabaseLive } from "./services/Database.js"
import { serveRegistrations } from "./services/Registrar.js"
import { RuntimeLive } from "./services/Runtime.js"

/**
 * The registrar thread, started by the service itself (REGISTRATION_THREAD): its own
 * connection to the same database, and the registrations of POST /contacts. It ends
 * when the service closes it, after the registrations in flight have been answered.
 */
const port = parentPort
if (port === null) throw new Error("registrar.js is started by the service as a thread of its own, not run directly")

serveRegistrations(port).pipe(
  Effect.provide(Contacts.Default.pipe(
    Layer.provideMerge(DatabaseLive),
    Layer.provide(RuntimeLive),
    Layer.provide(AppConfig.Default),
    // Configured like the thread that started it, whatever that thread's provider.
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson(workerData)))
  )),
  // Its database closed, the thread lets go of the channel and ends.
  Effect.ensuring(Effect.sync(() => port.close())),
  (main) => NodeRuntime.runMain(main, { disablePrettyLogger: true })
)
