import { HttpServer } from "@effect/platform"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Reconciliation } from "../../src/services/Reconciliation.js"
import { forEachDatabase, labelOf } from "../support/Databases.js"
import { staffedSource } from "../support/Fixtures.js"
import { Client, TestApp, unique } from "../support/TestApp.js"

forEachDatabase((db) => layer(Layer.provideMerge(Reconciliation.Default, TestApp(db)))(`clients that hang up on ${labelOf(db)}`, (it) => {
  it.effect("leave no half-written registration behind, and the service keeps answering", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { source } = yield* staffedSource([1, 1], 30)
      const base = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(address))
      // 200 registrations at once, each abandoned by its client after a few milliseconds.
      yield* Effect.promise(() =>
        Promise.allSettled(Array.from({ length: 200 }, (_, i) =>
          fetch(`${base}/contacts`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ external_id: `gone-${i % 40}`, source_id: source }),
            signal: AbortSignal.timeout(2 + (i % 5))
          }))))
      // Real time (the suite runs on the test clock): let the server finish what it started.
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 300)))
      // The service still answers at once, and every counter matches the rows it counts.
      const after = yield* client.contacts.register({ headers: {}, payload: { external_id: unique("after"), source_id: source } })
      expect(after.source_id).toBe(source)
      expect(yield* Effect.flatMap(Reconciliation, (r) => r.drift)).toEqual([])
      const stats = yield* client.stats.operators()
      const loads = stats.operators.filter((o) => o.sources.some((s) => s.source_id === source))
      expect(loads.every((o) => o.load <= o.max_load)).toBe(true)
    }), { timeout: 30_000 })
}), { registrar: true })
