import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { launch, listening } from "./http/Server.js"

/** Beside this file: registrar.js when built, registrar.ts when run through tsx. */
const registrar = new URL(import.meta.url.endsWith(".ts") ? "./registrar.ts" : "./registrar.js", import.meta.url)

listening(registrar).pipe(launch, (main) => NodeRuntime.runMain(main, { disablePrettyLogger: true }))
