import { expect, layer } from "@effect/vitest"
import { Effect, Random } from "effect"
import { Contacts } from "../../src/services/Contacts.js"
import { chiSquare, CRITICAL_2DF_P001, staffedSource } from "../support/Fixtures.js"
import { Client, TestApp, unique } from "../support/TestApp.js"

const WEIGHTS = [1, 2, 7]

const tally = (operators: ReadonlyArray<number>, picks: ReadonlyArray<number | null>) =>
  operators.map((id) => picks.filter((pick) => pick === id).length)

layer(TestApp())("the share each operator gets", (it) => {
  it.effect("fits weights 1:2:7 over 20,000 seeded registrations (chi-square, p = 0.001)", () =>
    Effect.gen(function* () {
      const { operators, source } = yield* staffedSource(WEIGHTS)
      const contacts = yield* Contacts
      const picks: Array<number | null> = []
      for (let i = 0; i < 20_000; i++) {
        const contact = yield* contacts.register({ external_id: `seeded-${i % 2_000}`, source_id: source })
        picks.push(contact.operator_id)
      }
      const observed = tally(operators, picks)
      const statistic = chiSquare(observed, WEIGHTS)
      console.log(`seeded: observed ${observed.join(" : ")}, chi-square ${statistic.toFixed(3)}`)
      expect(observed.reduce((a, b) => a + b, 0)).toBe(20_000)
      expect(statistic).toBeLessThan(CRITICAL_2DF_P001)
    }).pipe(Effect.withRandom(Random.make("chi-square")), Effect.provide(Contacts.Default)), { timeout: 120_000 })

  it.effect("fits weights 1:2:7 over 20,000 registrations over real HTTP with the real random source (chi-square, p = 0.001)", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const { operators, source } = yield* staffedSource(WEIGHTS)
      const contacts = yield* Effect.all(
        Array.from({ length: 20_000 }, () =>
          client.contacts.register({ headers: {}, payload: { external_id: unique("http"), source_id: source } })),
        { concurrency: 16 }
      )
      const observed = tally(operators, contacts.map((c) => c.operator_id))
      const statistic = chiSquare(observed, WEIGHTS)
      console.log(`real random over HTTP: observed ${observed.join(" : ")}, chi-square ${statistic.toFixed(3)}`)
      expect(observed.reduce((a, b) => a + b, 0)).toBe(20_000)
      expect(statistic).toBeLessThan(CRITICAL_2DF_P001)
    }), { timeout: 120_000 })
})
