import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { IntBool } from "../domain/Fields.js"
import { OperatorId, SourceId } from "../domain/Ids.js"
import { OperatorSourceStats, OperatorStats, SourceCount, Stats } from "../domain/Stats.js"
import { decodeRows, readTogether } from "./Sql.js"

const OperatorRow = Schema.Struct({
  operator_id: OperatorId,
  name: Schema.String,
  is_active: IntBool,
  max_load: Schema.Int,
  load: Schema.Int
})
const PairRow = Schema.Struct({ ...OperatorSourceStats.fields, operator_id: OperatorId })
const UnassignedRow = Schema.Struct({ ...SourceCount.fields, source_id: SourceId })

/** Reads only the counters and the weights table, never the contacts: its cost does not grow with history. */
export class StatsService extends Effect.Service<StatsService>()("StatsService", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const operators = decodeRows(OperatorRow)(
      sql`SELECT id AS operator_id, name, is_active, max_load, load FROM operators ORDER BY id`
    )
    // Every (operator, source) pair that has a weight now or had contacts once.
    const pairs = decodeRows(PairRow)(sql`
      SELECT k.operator_id, k.source_id, s.name AS source_name,
             COALESCE(w.weight, 0) AS weight, COALESCE(c.active, 0) AS active, COALESCE(c.total, 0) AS total
      FROM (
        SELECT operator_id, source_id FROM source_operators
        UNION
        SELECT operator_id, source_id FROM contact_counts WHERE operator_id <> 0
      ) k
      JOIN sources s ON s.id = k.source_id
      LEFT JOIN source_operators w ON w.operator_id = k.operator_id AND w.source_id = k.source_id
      LEFT JOIN contact_counts c ON c.operator_id = k.operator_id AND c.source_id = k.source_id
      ORDER BY k.operator_id, k.source_id`)
    const unassigned = decodeRows(UnassignedRow)(sql`
      SELECT s.id AS source_id, s.name AS source_name, COALESCE(c.active, 0) AS active, COALESCE(c.total, 0) AS total
      FROM sources s LEFT JOIN contact_counts c ON c.source_id = s.id AND c.operator_id = 0
      ORDER BY s.id`)

    const operatorStats = Effect.gen(function* () {
      const [ops, links, idle] = yield* Effect.all([operators, pairs, unassigned])
      const bySource = new Map<number, Array<OperatorSourceStats>>()
      for (const { operator_id, ...rest } of links) {
        const list = bySource.get(operator_id) ?? []
        list.push(new OperatorSourceStats(rest, { disableValidation: true }))
        bySource.set(operator_id, list)
      }
      return new Stats({
        operators: ops.map((op) => {
          const sources = bySource.get(op.operator_id) ?? []
          const total = sources.reduce((sum, s) => sum + s.total, 0)
          return new OperatorStats({ ...op, total, sources }, { disableValidation: true })
        }),
        unassigned: idle.map((row) => new SourceCount(row, { disableValidation: true }))
      }, { disableValidation: true })
    }).pipe(readTogether(sql), Effect.catchTag("SqlError", Effect.die))

    const ping = sql`SELECT 1`

    return { operatorStats, ping } as const
  })
}) {}
