import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Contact, type ContactFilter, type RegisterContact } from "../domain/Contact.js"
import { ContactClosed, ContactNotFound, SourceNotFound } from "../domain/Errors.js"
import { IntBool } from "../domain/Fields.js"
import type { ContactId, OperatorId, SourceId } from "../domain/Ids.js"
import { DEFAULT_LIMIT, toPage } from "../domain/Paging.js"
import { Distribution } from "./Distribution.js"
import { decodeFirst, decodeRows, now } from "./Sql.js"

export const ContactRow = Schema.transform(
  Schema.Struct({ ...Contact.fields, is_active: IntBool }),
  Schema.typeSchema(Contact),
  { strict: true, decode: (row) => new Contact(row, { disableValidation: true }), encode: (value) => ({ ...value }) }
)
export const contactColumns = "id, lead_id, source_id, operator_id, is_active, message, created_at, closed_at"

/** Key of the unassigned bucket in contact_counts. */
const UNASSIGNED = 0

export class Contacts extends Effect.Service<Contacts>()("Contacts", {
  dependencies: [Distribution.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const distribution = yield* Distribution
    const one = decodeFirst(ContactRow)
    const all = decodeRows(ContactRow)
    const columns = sql.literal(contactColumns)
    const LeadRow = Schema.Struct({ id: Schema.Number })

    const find = (id: ContactId) => one(sql`SELECT ${columns} FROM contacts WHERE id = ${id}`)

    const get = (id: ContactId) =>
      Effect.flatMap(find(id), Option.match({ onNone: () => ContactNotFound.of(id), onSome: Effect.succeed }))

    // The lead upsert comes first: it is a write, so on SQLite the transaction takes
    // the write lock at once instead of upgrading a read snapshot later. Two first
    // contacts for one external_id meet on the UNIQUE constraint and share one row.
    const register = (input: RegisterContact) =>
      Effect.gen(function* () {
        const created_at = yield* now
        const lead = yield* decodeFirst(LeadRow)(sql`
          INSERT INTO leads (external_id, contacts_count, created_at)
          VALUES (${input.external_id}, 1, ${created_at})
          ON CONFLICT (external_id) DO UPDATE SET contacts_count = leads.contacts_count + 1
          RETURNING id`).pipe(Effect.map(Option.getOrThrow))
        const assigned = yield* distribution.assign(input.source_id)
        if (Option.isNone(assigned)) return yield* SourceNotFound.of(input.source_id)
        const operator = Option.getOrNull(assigned.value)
        const contact = yield* one(sql`
          INSERT INTO contacts (lead_id, source_id, operator_id, is_active, message, created_at)
          VALUES (${lead.id}, ${input.source_id}, ${operator}, 1, ${input.message ?? null}, ${created_at})
          RETURNING ${columns}`).pipe(Effect.map(Option.getOrThrow))
        yield* sql`
          INSERT INTO contact_counts (source_id, operator_id, active, total)
          VALUES (${input.source_id}, ${operator ?? UNASSIGNED}, 1, 1)
          ON CONFLICT (source_id, operator_id)
          DO UPDATE SET active = contact_counts.active + 1, total = contact_counts.total + 1`
        return contact
      }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))

    const release = (operator: OperatorId | null, source: SourceId) =>
      Effect.gen(function* () {
        if (operator !== null) yield* sql`UPDATE operators SET load = load - 1 WHERE id = ${operator}`
        yield* sql`UPDATE contact_counts SET active = active - 1
                   WHERE source_id = ${source} AND operator_id = ${operator ?? UNASSIGNED}`
      })

    /** Closing is idempotent; reopening a closed contact is refused. */
    const update = (id: ContactId, patch: { readonly is_active: boolean }) =>
      Effect.gen(function* () {
        if (patch.is_active) {
          const contact = yield* get(id)
          return contact.is_active ? contact : yield* ContactClosed.of(id)
        }
        const closed_at = yield* now
        // The conditional update is the guard: of two concurrent closes only one
        // sees the row still active, so the load is freed exactly once.
        const closed = yield* one(sql`
          UPDATE contacts SET is_active = 0, closed_at = ${closed_at}
          WHERE id = ${id} AND is_active = 1
          RETURNING ${columns}`)
        if (Option.isNone(closed)) return yield* get(id)
        yield* release(closed.value.operator_id, closed.value.source_id)
        return closed.value
      }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))

    const list = (filter: ContactFilter) => {
      const limit = filter.limit ?? DEFAULT_LIMIT
      const conditions = [sql`id > ${filter.cursor ?? 0}`]
      if (filter.source_id !== undefined) conditions.push(sql`source_id = ${filter.source_id}`)
      if (filter.operator_id !== undefined) conditions.push(sql`operator_id = ${filter.operator_id}`)
      if (filter.lead_id !== undefined) conditions.push(sql`lead_id = ${filter.lead_id}`)
      if (filter.is_active !== undefined) conditions.push(sql`is_active = ${filter.is_active ? 1 : 0}`)
      if (filter.assigned !== undefined) {
        conditions.push(filter.assigned ? sql`operator_id IS NOT NULL` : sql`operator_id IS NULL`)
      }
      return all(sql`SELECT ${columns} FROM contacts WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${limit + 1}`)
        .pipe(Effect.map((rows) => toPage(rows, limit)))
    }

    return { register, get, update, list } as const
  })
}) {}
