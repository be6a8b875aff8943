import { SqlClient } from "@effect/sql"
import { Effect, Option, Random } from "effect"
import type { OperatorId, SourceId } from "../domain/Ids.js"
import { inTransaction } from "./Sql.js"

export interface Candidate {
  readonly operator_id: OperatorId
  readonly weight: number
}

export const totalWeight = (candidates: ReadonlyArray<Candidate>): number =>
  candidates.reduce((sum, c) => sum + c.weight, 0)

/**
 * The rule itself, free of I/O: `draw` is an integer in [0, total weight) and
 * operator i owns the draws [w_1 + … + w_(i-1), w_1 + … + w_i), so its chance
 * is exactly weight_i / sum(weights).
 */
export const choose = (candidates: ReadonlyArray<Candidate>, draw: number): Option.Option<Candidate> => {
  let upper = 0
  for (const candidate of candidates) {
    upper += candidate.weight
    if (draw < upper) return Option.some(candidate)
  }
  return Option.none()
}

/**
 * Draws among `candidates` until `claim` accepts one; a refused winner (found full
 * at write time) is excluded and the draw repeats among the rest, so it ends after
 * at most one draw per candidate.
 */
export const drawUntilClaimed = <E, R>(
  candidates: ReadonlyArray<Candidate>,
  claim: (operator: OperatorId) => Effect.Effect<boolean, E, R>
): Effect.Effect<Option.Option<OperatorId>, E, R> =>
  Effect.gen(function* () {
    let remaining = candidates.filter((c) => c.weight > 0)
    while (remaining.length > 0) {
      const draw = yield* Random.nextIntBetween(0, totalWeight(remaining))
      const winner = Option.getOrThrow(choose(remaining, draw))
      if (yield* claim(winner.operator_id)) return Option.some(winner.operator_id)
      remaining = remaining.filter((c) => c !== winner)
    }
    return Option.none()
  })

/**
 * A candidate as the query below returns it. Unlike other rows, these are not decoded
 * through a schema: the columns are the integer keys and weights of our own tables
 * (NOT NULL, weight > 0), and decoding the 10–15 rows of a typical source costs
 * nearly as much as running the query, on every registration.
 */
interface CandidateRow {
  readonly operator_id: OperatorId | null
  readonly weight: number | null
}

/**
 * Picks and claims an operator for one new contact of a source. Must run inside the
 * registration transaction: the claim is a conditional increment of the operator's
 * load counter, so two writers can never both take an operator's last slot.
 */
export class Distribution extends Effect.Service<Distribution>()("Distribution", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    // One row per available operator (ordered, so a seeded draw replays exactly);
    // a single row of NULLs when the source exists but nobody is available; no row
    // when the source does not exist.
    const available = (source: SourceId) =>
      inTransaction(sql<CandidateRow>`
        SELECT o.id AS operator_id, w.weight AS weight
        FROM sources s
        LEFT JOIN source_operators w ON w.source_id = s.id AND w.weight > 0
        LEFT JOIN operators o ON o.id = w.operator_id AND o.is_active = 1 AND o.load < o.max_load
        WHERE s.id = ${source}
        ORDER BY w.operator_id
      `).pipe(Effect.orDie)

    const claim = (operator: OperatorId) =>
      inTransaction(sql<{ id: number }>`
        UPDATE operators SET load = load + 1
        WHERE id = ${operator} AND is_active = 1 AND load < max_load
        RETURNING id
      `).pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.orDie
      )

    /** None when the source does not exist; Some(None) when nobody is available. */
    const assign = (
      source: SourceId
    ): Effect.Effect<Option.Option<Option.Option<OperatorId>>, never, SqlClient.TransactionConnection> =>
      Effect.gen(function* () {
        const rows = yield* available(source)
        if (rows.length === 0) return Option.none()
        const candidates: Array<Candidate> = []
        for (const { operator_id, weight } of rows) {
          if (operator_id !== null && weight !== null) candidates.push({ operator_id, weight })
        }
        return Option.some(yield* drawUntilClaimed(candidates, claim))
      })

    return { assign } as const
  })
}) {}
