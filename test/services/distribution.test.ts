import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option, Random } from "effect"
import { OperatorId, SourceId } from "../../src/domain/Ids.js"
import { type Candidate, choose, Distribution, drawUntilClaimed, totalWeight } from "../../src/services/Distribution.js"
import { transaction } from "../../src/services/Sql.js"
import { freshSqlite, loads, type OperatorSeed, seedOperators } from "../support/Database.js"

const candidates = (weights: ReadonlyArray<number>): Array<Candidate> =>
  weights.map((weight, i) => ({ operator_id: OperatorId.make(i + 1), weight }))

const positiveWeights = fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 12 })

describe("choose", () => {
  it.prop("operator i owns exactly the draws [w1+…+w(i-1), w1+…+wi): a share of weight_i / sum", [positiveWeights], ([weights]) => {
    const list = candidates(weights)
    let lower = 0
    for (const candidate of list) {
      const upper = lower + candidate.weight
      expect(choose(list, lower)).toEqual(Option.some(candidate))
      expect(choose(list, upper - 1)).toEqual(Option.some(candidate))
      if (lower > 0) expect(choose(list, lower - 1)).not.toEqual(Option.some(candidate))
      lower = upper
    }
    expect(lower).toBe(totalWeight(list))
    expect(choose(list, lower)).toEqual(Option.none())
  })

  it.prop("never picks a zero-weight candidate", [fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1 }), fc.nat()], ([weights, seed]) => {
    const list = candidates(weights)
    const total = totalWeight(list)
    fc.pre(total > 0)
    const picked = choose(list, seed % total)
    expect(Option.map(picked, (c) => c.weight > 0)).toEqual(Option.some(true))
  })
})

describe("drawUntilClaimed", () => {
  const scenario = fc.array(fc.record({ weight: fc.integer({ min: 0, max: 50 }), fullAtWrite: fc.boolean() }), {
    maxLength: 10
  })

  it.effect.prop(
    "never returns a winner found full at write time, and stops after at most one draw per candidate",
    [scenario, fc.integer()],
    ([operators, seed]) =>
      Effect.gen(function* () {
        const list = candidates(operators.map((o) => o.weight))
        const claims: Array<number> = []
        const result = yield* drawUntilClaimed(list, (id) =>
          Effect.sync(() => {
            claims.push(id)
            return !operators[id - 1]!.fullAtWrite
          }))
        const claimable = operators.filter((o) => o.weight > 0 && !o.fullAtWrite).length
        const drawable = operators.filter((o) => o.weight > 0).length
        expect(claims.length).toBeLessThanOrEqual(drawable)
        expect(new Set(claims).size).toBe(claims.length)
        expect(claims.every((id) => operators[id - 1]!.weight > 0)).toBe(true)
        if (claimable === 0) {
          expect(result).toEqual(Option.none())
          expect(claims.length).toBe(drawable)
        } else {
          const winner = Option.getOrThrow(result)
          expect(operators[winner - 1]!.fullAtWrite).toBe(false)
          expect(claims[claims.length - 1]).toBe(winner)
        }
      }).pipe(Effect.withRandom(Random.make(seed)))
  )

  it.effect.prop("is deterministic for a fixed seed", [positiveWeights, fc.integer()], ([weights, seed]) =>
    Effect.gen(function* () {
      const list = candidates(weights)
      // A generator is stateful: each run gets a new one from the same seed.
      const run = Effect.suspend(() =>
        drawUntilClaimed(list, () => Effect.succeed(true)).pipe(Effect.withRandom(Random.make(seed))))
      const first = yield* run
      for (let i = 0; i < 3; i++) expect(yield* run).toEqual(first)
    }))
})

describe("Distribution service on SQLite", () => {
  const operator: fc.Arbitrary<OperatorSeed> = fc.record({
    is_active: fc.boolean(),
    max_load: fc.integer({ min: 0, max: 3 }),
    load: fc.integer({ min: 0, max: 4 }),
    weight: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null })
  })
  const available = (o: OperatorSeed) => o.is_active && o.load < o.max_load && (o.weight ?? 0) > 0

  // As in a registration: the claim belongs to the transaction it is made in.
  const assign = (source: SourceId) =>
    Effect.flatMap(Effect.all([Distribution, SqlClient.SqlClient]), ([distribution, sql]) =>
      distribution.assign(source).pipe(transaction(sql)))

  it.effect.prop(
    "picks only an active, non-full operator with a weight, claims one slot, and picks nobody exactly when none is available",
    [fc.array(operator, { maxLength: 8 }), fc.integer()],
    ([operators, seed]) =>
      Effect.gen(function* () {
        yield* seedOperators(operators)
        const result = yield* assign(SourceId.make(1)).pipe(Effect.withRandom(Random.make(seed)))
        const picked = Option.getOrThrow(result)
        const after = yield* loads
        if (!operators.some(available)) {
          expect(picked).toEqual(Option.none())
          expect(after).toEqual(operators.map((o) => o.load))
          return
        }
        const id = Option.getOrThrow(picked)
        expect(available(operators[id - 1]!)).toBe(true)
        expect(after).toEqual(operators.map((o, i) => (i + 1 === id ? o.load + 1 : o.load)))
      }).pipe(Effect.provide(Distribution.Default), Effect.provide(freshSqlite)),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect("answers None for a source that does not exist", () =>
    Effect.gen(function* () {
      expect(yield* assign(SourceId.make(42))).toEqual(Option.none())
    }).pipe(Effect.provide(Distribution.Default), Effect.provide(freshSqlite)))
})
