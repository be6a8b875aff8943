import Database from "better-sqlite3"

/**
 * The service's SQLite set-up (src/services/Database.ts): WAL (the client's
 * default), then the three pragmas it runs at start-up.
 */
export const openLikeService = (file: string): Database.Database => {
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("busy_timeout = 5000")
  db.pragma("synchronous = NORMAL")
  db.pragma("foreign_keys = ON")
  return db
}

export interface ContactRow {
  readonly id: number
  readonly lead_id: number
  readonly source_id: number
  readonly operator_id: number | null
  readonly is_active: number
  readonly message: string | null
  readonly created_at: string
  readonly closed_at: string | null
}

export interface RegisterInput {
  readonly external_id: string
  readonly source_id: number
  readonly message?: string | null | undefined
}

/**
 * POST /contacts without an Idempotency-Key, statement for statement as the
 * service runs it (src/services/Contacts.ts `create`, Distribution.ts `assign`):
 * BEGIN; upsert the lead; read the available candidates; draw by weight and
 * claim with a conditional increment, redrawing without a refused winner;
 * insert the contact; upsert its contact_counts row; COMMIT. An unknown source
 * rolls everything back. Keep it in step with those files when they change.
 */
export const makeRegister = (db: Database.Database, random: () => number = Math.random) => {
  const begin = db.prepare("BEGIN")
  const commit = db.prepare("COMMIT")
  const rollback = db.prepare("ROLLBACK")
  const upsertLead = db.prepare<[string, string], { id: number }>(`
    INSERT INTO leads (external_id, contacts_count, created_at)
    VALUES (?, 1, ?)
    ON CONFLICT (external_id) DO UPDATE SET contacts_count = leads.contacts_count + 1
    RETURNING id`)
  const available = db.prepare<[number], { operator_id: number | null; weight: number | null }>(`
    SELECT o.id AS operator_id, w.weight AS weight
    FROM sources s
    LEFT JOIN source_operators w ON w.source_id = s.id AND w.weight > 0
    LEFT JOIN operators o ON o.id = w.operator_id AND o.is_active = 1 AND o.load < o.max_load
    WHERE s.id = ?
    ORDER BY w.operator_id`)
  const claim = db.prepare<[number], { id: number }>(`
    UPDATE operators SET load = load + 1
    WHERE id = ? AND is_active = 1 AND load < max_load
    RETURNING id`)
  const insertContact = db.prepare<[number, number, number | null, string | null, string], { id: number }>(`
    INSERT INTO contacts (lead_id, source_id, operator_id, is_active, message, created_at)
    VALUES (?, ?, ?, 1, ?, ?)
    RETURNING id`)
  const count = db.prepare<[number, number]>(`
    INSERT INTO contact_counts (source_id, operator_id, active, total)
    VALUES (?, ?, 1, 1)
    ON CONFLICT (source_id, operator_id)
    DO UPDATE SET active = contact_counts.active + 1, total = contact_counts.total + 1`)

  const assign = (rows: ReadonlyArray<{ operator_id: number | null; weight: number | null }>): number | null => {
    let remaining: Array<{ operator_id: number; weight: number }> = []
    for (const { operator_id, weight } of rows) {
      if (operator_id !== null && weight !== null && weight > 0) remaining.push({ operator_id, weight })
    }
    while (remaining.length > 0) {
      let draw = Math.floor(random() * remaining.reduce((sum, c) => sum + c.weight, 0))
      const winner = remaining.find((c) => (draw -= c.weight) < 0) ?? remaining[remaining.length - 1]
      if (claim.all(winner.operator_id).length === 1) return winner.operator_id
      remaining = remaining.filter((c) => c !== winner)
    }
    return null
  }

  /** The new contact, or undefined when the source does not exist. */
  return (input: RegisterInput, createdAt = new Date().toISOString()): ContactRow | undefined => {
    begin.run()
    try {
      const lead = upsertLead.get(input.external_id, createdAt)
      if (lead === undefined) throw new Error("the lead upsert returned no row")
      const rows = available.all(input.source_id)
      if (rows.length === 0) {
        rollback.run()
        return undefined
      }
      const operator = assign(rows)
      const message = input.message ?? null
      const inserted = insertContact.get(lead.id, input.source_id, operator, message, createdAt)
      if (inserted === undefined) throw new Error("the contact insert returned no row")
      count.run(input.source_id, operator ?? 0)
      commit.run()
      return {
        id: inserted.id,
        lead_id: lead.id,
        source_id: input.source_id,
        operator_id: operator,
        is_active: 1,
        message,
        created_at: createdAt,
        closed_at: null
      }
    } catch (error) {
      if (db.inTransaction) rollback.run()
      throw error
    }
  }
}
