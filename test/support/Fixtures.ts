import { Effect } from "effect"
import type { OperatorId } from "../../src/domain/Ids.js"
import { Client, unique } from "./TestApp.js"

/** A new operator with a unique name; its id. */
export const newOperator = (max_load: number, is_active = true) =>
  Effect.flatMap(Client, (client) =>
    Effect.map(client.operators.create({ payload: { name: unique("operator"), max_load, is_active } }), (o) => o.id))

/** A new source whose weights table is exactly `weights` (`[operator, weight]` pairs). */
export const sourceWith = (weights: ReadonlyArray<readonly [OperatorId, number]>) =>
  Effect.gen(function* () {
    const client = yield* Client
    const source = yield* client.sources.create({ payload: { name: unique("source") } })
    yield* client.sources.replaceWeights({
      path: { id: source.id },
      payload: { weights: weights.map(([operator_id, weight]) => ({ operator_id, weight })) }
    })
    return source
  })

/** A source served by one operator per weight, each with room for every contact the test sends. */
export const staffedSource = (weights: ReadonlyArray<number>, max_load = 1_000_000) =>
  Effect.gen(function* () {
    const client = yield* Client
    const source = yield* client.sources.create({ payload: { name: unique("source") } })
    const operators: Array<OperatorId> = []
    for (const _ of weights) {
      operators.push((yield* client.operators.create({ payload: { name: unique("operator"), max_load } })).id)
    }
    yield* client.sources.replaceWeights({
      path: { id: source.id },
      payload: { weights: operators.map((operator_id, i) => ({ operator_id, weight: weights[i]! })) }
    })
    return { source: source.id, operators }
  })

/** Pearson's statistic of observed counts against the shares the weights promise. */
export const chiSquare = (observed: ReadonlyArray<number>, weights: ReadonlyArray<number>) => {
  const n = observed.reduce((a, b) => a + b, 0)
  const total = weights.reduce((a, b) => a + b, 0)
  return observed.reduce((sum, o, i) => {
    const expected = (n * weights[i]!) / total
    return sum + (o - expected) ** 2 / expected
  }, 0)
}

/** The chi-square distribution's 0.999 quantile for 2 degrees of freedom (three operators). */
export const CRITICAL_2DF_P001 = 13.816
