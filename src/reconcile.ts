import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { AppConfig } from "./services/AppConfig.js"
import { DatabaseLive } from "./services/Database.js"
import { Reconciliation } from "./services/Reconciliation.js"

// `npm run reconcile` reports counters that disagree with the contacts they count;
// `npm run reconcile -- --fix` also repairs them, in one transaction.
const fix = process.argv.includes("--fix")

const program = Effect.gen(function* () {
  const reconciliation = yield* Reconciliation
  const drift = yield* reconciliation.drift
  for (const row of drift) yield* Console.log(JSON.stringify(row))
  if (drift.length === 0) return yield* Console.log("counters agree with the contacts")
  if (!fix) {
    yield* Console.log(`${drift.length} counters disagree; run with --fix to repair them`)
    return yield* Effect.sync(() => process.exit(1))
  }
  yield* reconciliation.repair
  yield* Console.log(`repaired; ${(yield* reconciliation.drift).length} counters disagree now`)
})

program.pipe(
  Effect.provide(Reconciliation.Default.pipe(Layer.provide(DatabaseLive), Layer.provide(AppConfig.Default))),
  NodeRuntime.runMain
)
