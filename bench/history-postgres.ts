import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { HISTORY, type HistoryLoad, leadsFor, timeline } from "./history.js"

/** ISO-8601 UTC text with milliseconds, as the service stores times, from epoch milliseconds. */
const ISO = `YYYY-MM-DD"T"HH24:MI:SS.MS"Z"`
const iso = (ms: string) => `to_char(timestamp '1970-01-01' + (${ms}) * interval '1 millisecond', '${ISO}')`

/**
 * The same rows as the SQLite loader (see history.ts), built by the server with
 * generate_series in one transaction: leads, contacts, then the contacts over
 * max_load closed again, then the counters from what was inserted. The contacts'
 * plain indexes are dropped and rebuilt from their definitions; the identity
 * sequences are moved past the explicit ids; ANALYZE as autovacuum would.
 */
export const loadPostgresHistory = (url: string, contacts: number): Promise<HistoryLoad> => {
  const leads = leadsFor(contacts)
  const { start, step } = timeline(contacts)
  const program = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const started = performance.now()
    const active = yield* Effect.gen(function* () {
      const [{ lb, cb }] = yield* sql<{ lb: number; cb: number }>`
        SELECT (SELECT COALESCE(MAX(id), 0) FROM leads)::int AS lb, (SELECT COALESCE(MAX(id), 0) FROM contacts)::int AS cb`
      const indexes = yield* sql<{ indexname: string; indexdef: string }>`
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'contacts' AND indexname NOT IN (SELECT conname FROM pg_constraint)`
      for (const index of indexes) yield* sql.unsafe(`DROP INDEX "${index.indexname}"`)

      yield* sql.unsafe(`
        INSERT INTO leads (id, external_id, contacts_count, created_at)
        SELECT ${lb} + i, 'history-' || i || '@example.com', (${contacts} - i) / ${leads} + 1, ${iso(`${start} + i * ${step}`)}
        FROM generate_series(1::bigint, ${leads}) i`)
      yield* sql.unsafe(`
        WITH src AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n FROM sources),
        slots AS (
          SELECT w.source_id, w.operator_id,
                 row_number() OVER (PARTITION BY w.source_id ORDER BY w.operator_id, r) - 1 AS slot,
                 count(*) OVER (PARTITION BY w.source_id) AS n
          FROM source_operators w CROSS JOIN LATERAL generate_series(1, w.weight) r
          WHERE w.weight > 0
        ),
        g AS (SELECT g, (g * ${HISTORY.hashMultiplier}) % 4294967296 AS h FROM generate_series(1::bigint, ${contacts}) g)
        INSERT INTO contacts (id, lead_id, source_id, operator_id, is_active, message, created_at, closed_at)
        SELECT ${cb} + g.g, ${lb} + (g.g - 1) % ${leads} + 1, src.id,
               CASE WHEN g.g % ${HISTORY.unassignedModulo} = ${HISTORY.unassignedRemainder} THEN NULL ELSE slots.operator_id END,
               CASE WHEN g.g % ${HISTORY.activeModulo} = 0 THEN 1 ELSE 0 END,
               CASE WHEN g.g % 4 = 0 THEN NULL ELSE 'Order question #' || (g.g % 10000) END,
               ${iso(`${start} + g.g * ${step}`)},
               CASE WHEN g.g % ${HISTORY.activeModulo} = 0 THEN NULL
                    ELSE ${iso(`${start} + g.g * ${step} + ${HISTORY.closedAfter}`)} END
        FROM g
        JOIN src ON src.k = g.h % src.n
        LEFT JOIN slots ON slots.source_id = src.id AND slots.slot = (g.h / src.n) % slots.n`)
      yield* sql.unsafe(`
        UPDATE contacts c SET is_active = 0, closed_at = x.closed_at
        FROM (SELECT c2.id,
                     to_char(c2.created_at::timestamp + ${HISTORY.closedAfter} * interval '1 millisecond',
                             '${ISO}') AS closed_at,
                     row_number() OVER (PARTITION BY c2.operator_id ORDER BY c2.id) AS rn, GREATEST(o.max_load - o.load, 0) AS room
              FROM contacts c2 JOIN operators o ON o.id = c2.operator_id
              WHERE c2.is_active = 1 AND c2.id > ${cb}) x
        WHERE c.id = x.id AND x.rn > x.room`)

      for (const index of indexes) yield* sql.unsafe(index.indexdef)
      yield* sql.unsafe(`
        UPDATE operators o SET load = o.load + a.n
        FROM (SELECT operator_id, count(*) AS n FROM contacts
              WHERE id > ${cb} AND is_active = 1 AND operator_id IS NOT NULL GROUP BY operator_id) a
        WHERE o.id = a.operator_id`)
      yield* sql.unsafe(`
        INSERT INTO contact_counts (source_id, operator_id, active, total)
        SELECT source_id, COALESCE(operator_id, 0), SUM(is_active), COUNT(*) FROM contacts
        WHERE id > ${cb} GROUP BY source_id, COALESCE(operator_id, 0)
        ON CONFLICT (source_id, operator_id) DO UPDATE
        SET active = contact_counts.active + excluded.active, total = contact_counts.total + excluded.total`)
      for (const table of ["leads", "contacts"]) {
        yield* sql.unsafe(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT MAX(id) FROM ${table}))`)
      }
      const [{ n }] = yield* sql<{ n: number }>`SELECT COUNT(*)::int AS n FROM contacts WHERE id > ${cb} AND is_active = 1`
      return n
    }).pipe(sql.withTransaction)
    yield* sql.unsafe("ANALYZE")
    return { contacts, leads, active, seconds: (performance.now() - started) / 1000 }
  })
  return Effect.runPromise(program.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 }))))
}
