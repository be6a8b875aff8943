import Database from "better-sqlite3"
import { HISTORY, type HistoryLoad, historyExternalId, historyMessage, leadsFor, timeline } from "./history.js"

interface WeightRow { readonly source_id: number; readonly operator_id: number; readonly weight: number }
interface OperatorRow { readonly id: number; readonly room: number }

/**
 * Bulk-loads `contacts` contacts into a stopped service's SQLite file: one
 * transaction of prepared statements. The contacts' secondary indexes are dropped
 * first and rebuilt from their own stored definitions afterwards (a sort beats a
 * million scattered B-tree inserts, and whatever indexes the schema has now are kept).
 */
export const loadSqliteHistory = (file: string, contacts: number): HistoryLoad => {
  const started = performance.now()
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = OFF")
  db.pragma("cache_size = -262144")
  const leads = leadsFor(contacts)
  let active = 0

  db.transaction(() => {
    const sources = db.prepare<[], number>("SELECT id FROM sources ORDER BY id").pluck().all()
    if (sources.length === 0) throw new Error("seed the database before loading history")
    const weights = db.prepare<[], WeightRow>(
      "SELECT source_id, operator_id, weight FROM source_operators WHERE weight > 0 ORDER BY source_id, operator_id"
    ).all()
    const slots = new Map<number, Array<number>>(sources.map((id) => [id, []]))
    for (const w of weights) for (let i = 0; i < w.weight; i++) slots.get(w.source_id)?.push(w.operator_id)
    const room = new Map<number, number>()
    for (const op of db.prepare<[], OperatorRow>("SELECT id, max_load - load AS room FROM operators").all()) {
      room.set(op.id, Math.max(0, op.room))
    }
    const leadBase = db.prepare<[], number>("SELECT COALESCE(MAX(id), 0) FROM leads").pluck().get() ?? 0
    const contactBase = db.prepare<[], number>("SELECT COALESCE(MAX(id), 0) FROM contacts").pluck().get() ?? 0
    const { start, step } = timeline(contacts)
    const iso = (ms: number) => new Date(ms).toISOString()

    const indexes = db.prepare<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts' AND sql IS NOT NULL"
    ).all()
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`)

    const insertLead = db.prepare("INSERT INTO leads (id, external_id, contacts_count, created_at) VALUES (?, ?, ?, ?)")
    for (let i = 1; i <= leads; i++) {
      insertLead.run(leadBase + i, historyExternalId(i), Math.floor((contacts - i) / leads) + 1, iso(start + i * step))
    }

    const insertContact = db.prepare(`INSERT INTO contacts (id, lead_id, source_id, operator_id, is_active, message, created_at, closed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    const counts = new Map<string, { source: number; operator: number; active: number; total: number }>()
    const load = new Map<number, number>()
    for (let g = 1; g <= contacts; g++) {
      const h = (g * HISTORY.hashMultiplier) % 4_294_967_296
      const source = sources[h % sources.length]
      const choices = slots.get(source) ?? []
      const operator = g % HISTORY.unassignedModulo === HISTORY.unassignedRemainder || choices.length === 0
        ? null
        : choices[Math.floor(h / sources.length) % choices.length]
      let isActive = g % HISTORY.activeModulo === 0
      if (isActive && operator !== null) {
        const held = load.get(operator) ?? 0
        if (held >= (room.get(operator) ?? 0)) isActive = false
        else load.set(operator, held + 1)
      }
      const created = start + g * step
      insertContact.run(contactBase + g, leadBase + ((g - 1) % leads) + 1, source, operator, isActive ? 1 : 0,
        historyMessage(g), iso(created), isActive ? null : iso(created + HISTORY.closedAfter))
      if (isActive) active++
      const key = `${source}/${operator ?? 0}`
      const count = counts.get(key) ?? { source, operator: operator ?? 0, active: 0, total: 0 }
      count.total++
      if (isActive) count.active++
      counts.set(key, count)
    }

    for (const index of indexes) db.exec(index.sql)
    const addLoad = db.prepare("UPDATE operators SET load = load + ? WHERE id = ?")
    for (const [operator, n] of load) addLoad.run(n, operator)
    const addCounts = db.prepare(`INSERT INTO contact_counts (source_id, operator_id, active, total) VALUES (?, ?, ?, ?)
      ON CONFLICT (source_id, operator_id) DO UPDATE SET active = active + excluded.active, total = total + excluded.total`)
    for (const c of counts.values()) addCounts.run(c.source, c.operator, c.active, c.total)
  })()

  // Closing the last connection checkpoints the WAL into the file, ready to copy.
  db.close()
  return { contacts, leads, active, seconds: (performance.now() - started) / 1000 }
}
