import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { decodeRows, transaction } from "./Sql.js"

export const Drift = Schema.Struct({
  counter: Schema.String,
  key: Schema.String,
  stored: Schema.Number,
  actual: Schema.Number
})
export type Drift = typeof Drift.Type

/**
 * The counters (operators.load, contact_counts, leads.contacts_count) are kept in
 * the same transactions as the contacts they count, so they never drift. These
 * queries prove it, and repair them if a hand-made change to the tables broke that.
 * Both scan the contacts table: they are for operators, not for the hot path.
 */
export class Reconciliation extends Effect.Service<Reconciliation>()("Reconciliation", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const grouped = sql`
      SELECT source_id, COALESCE(operator_id, 0) AS operator_id,
             CAST(SUM(is_active) AS INTEGER) AS active, CAST(COUNT(*) AS INTEGER) AS total
      FROM contacts GROUP BY source_id, COALESCE(operator_id, 0)`

    const drift = decodeRows(Drift)(sql`
      SELECT 'operators.load' AS counter, CAST(o.id AS TEXT) AS key, o.load AS stored, COALESCE(a.n, 0) AS actual
      FROM operators o
      LEFT JOIN (SELECT operator_id, CAST(COUNT(*) AS INTEGER) AS n FROM contacts
                 WHERE is_active = 1 AND operator_id IS NOT NULL GROUP BY operator_id) a ON a.operator_id = o.id
      WHERE o.load <> COALESCE(a.n, 0)
      UNION ALL
      SELECT 'contact_counts.' || m.measure, CAST(k.source_id AS TEXT) || '/' || CAST(k.operator_id AS TEXT),
             CASE m.measure WHEN 'active' THEN COALESCE(c.active, 0) ELSE COALESCE(c.total, 0) END,
             CASE m.measure WHEN 'active' THEN COALESCE(g.active, 0) ELSE COALESCE(g.total, 0) END
      FROM (SELECT source_id, operator_id FROM contact_counts
            UNION SELECT source_id, COALESCE(operator_id, 0) FROM contacts) k
      CROSS JOIN (SELECT 'active' AS measure UNION ALL SELECT 'total') m
      LEFT JOIN contact_counts c ON c.source_id = k.source_id AND c.operator_id = k.operator_id
      LEFT JOIN (${grouped}) g ON g.source_id = k.source_id AND g.operator_id = k.operator_id
      WHERE CASE m.measure WHEN 'active' THEN COALESCE(c.active, 0) - COALESCE(g.active, 0)
                           ELSE COALESCE(c.total, 0) - COALESCE(g.total, 0) END <> 0
      UNION ALL
      SELECT 'leads.contacts_count', CAST(l.id AS TEXT), l.contacts_count, COALESCE(n.n, 0)
      FROM leads l
      LEFT JOIN (SELECT lead_id, CAST(COUNT(*) AS INTEGER) AS n FROM contacts GROUP BY lead_id) n ON n.lead_id = l.id
      WHERE l.contacts_count <> COALESCE(n.n, 0)`)

    const repair = Effect.gen(function* () {
      yield* sql`UPDATE operators SET load = (
        SELECT COUNT(*) FROM contacts c WHERE c.operator_id = operators.id AND c.is_active = 1)`
      yield* sql`DELETE FROM contact_counts`
      yield* sql`INSERT INTO contact_counts (source_id, operator_id, active, total) ${grouped}`
      yield* sql`UPDATE leads SET contacts_count = (SELECT COUNT(*) FROM contacts c WHERE c.lead_id = leads.id)`
    }).pipe(transaction(sql), Effect.orDie)

    return { drift, repair } as const
  })
}) {}
