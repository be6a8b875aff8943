import { SqlClient } from "@effect/sql"
import { Clock, Duration, Effect, Layer, Option, Schedule, Schema } from "effect"
import { createHash } from "node:crypto"
import { Contact, type ContactFilter, type RegisterContact } from "../domain/Contact.js"
import { ContactClosed, ContactNotFound, IdempotencyKeyReused, SourceNotFound } from "../domain/Errors.js"
import { IntBool } from "../domain/Fields.js"
import { ContactId, LeadId, type OperatorId, type SourceId } from "../domain/Ids.js"
import { DEFAULT_LIMIT, toPage } from "../domain/Paging.js"
import { AppConfig } from "./AppConfig.js"
import { Distribution } from "./Distribution.js"
import { decodeFirst, decodeRows, inTransaction, now, transaction } from "./Sql.js"

export const ContactRow = Schema.transform(
  Schema.Struct({ ...Contact.fields, is_active: IntBool }),
  Schema.typeSchema(Contact),
  { strict: true, decode: (row) => new Contact(row, { disableValidation: true }), encode: (value) => ({ ...value }) }
)
export const contactColumns = "id, lead_id, source_id, operator_id, is_active, message, created_at, closed_at"

/** The moment before which an Idempotency-Key has expired. */
const keysBefore = (ttl: Duration.Duration) =>
  Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms - Duration.toMillis(ttl)).toISOString())

/**
 * Expired keys are dead weight: they are swept now and then, off the request path, by
 * the main thread only (a registrar thread, which has Contacts of its own, does not).
 */
export const IdempotencyKeySweep = Layer.scopedDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { idempotencyTtl } = yield* AppConfig
    const sweep = Effect.flatMap(keysBefore(idempotencyTtl), (before) =>
      sql`DELETE FROM idempotency_keys WHERE created_at < ${before}`)
    yield* sweep.pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("could not sweep expired idempotency keys", cause)),
      Effect.repeat(Schedule.spaced("1 hour")),
      Effect.forkScoped
    )
  })
)

/** Key of the unassigned bucket in contact_counts. */
const UNASSIGNED = 0

export class Contacts extends Effect.Service<Contacts>()("Contacts", {
  dependencies: [Distribution.Default],
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const distribution = yield* Distribution
    const { idempotencyTtl } = yield* AppConfig
    const one = decodeFirst(ContactRow)
    const all = decodeRows(ContactRow)
    const columns = sql.literal(contactColumns)
    const leadId = decodeFirst(Schema.Struct({ id: LeadId }))
    const contactId = decodeFirst(Schema.Struct({ id: ContactId }))

    const find = (id: ContactId) => one(sql`SELECT ${columns} FROM contacts WHERE id = ${id}`)

    const get = (id: ContactId) =>
      Effect.flatMap(find(id), Option.match({ onNone: () => ContactNotFound.of(id), onSome: Effect.succeed }))

    // The lead upsert comes first: it is a write, so on SQLite the transaction takes
    // the write lock at once instead of upgrading a read snapshot later. Two first
    // contacts for one external_id meet on the UNIQUE constraint and share one row.
    const create = (input: RegisterContact, created_at: string) =>
      Effect.gen(function* () {
        const lead = yield* leadId(inTransaction(sql`
          INSERT INTO leads (external_id, contacts_count, created_at)
          VALUES (${input.external_id}, 1, ${created_at})
          ON CONFLICT (external_id) DO UPDATE SET contacts_count = leads.contacts_count + 1
          RETURNING id`)).pipe(Effect.map(Option.getOrThrow))
        const assigned = yield* distribution.assign(input.source_id)
        if (Option.isNone(assigned)) return yield* SourceNotFound.of(input.source_id)
        const operator = Option.getOrNull(assigned.value)
        const inserted = yield* contactId(inTransaction(sql`
          INSERT INTO contacts (lead_id, source_id, operator_id, is_active, message, created_at)
          VALUES (${lead.id}, ${input.source_id}, ${operator}, 1, ${input.message ?? null}, ${created_at})
          RETURNING id`)).pipe(Effect.map(Option.getOrThrow))
        // The new contact is the row just written: only its id is read back and decoded.
        const contact = new Contact({
          id: inserted.id,
          lead_id: lead.id,
          source_id: input.source_id,
          operator_id: operator,
          is_active: true,
          message: input.message ?? null,
          created_at,
          closed_at: null
        }, { disableValidation: true })
        yield* inTransaction(sql`
          INSERT INTO contact_counts (source_id, operator_id, active, total)
          VALUES (${input.source_id}, ${operator ?? UNASSIGNED}, 1, 1)
          ON CONFLICT (source_id, operator_id)
          DO UPDATE SET active = contact_counts.active + 1, total = contact_counts.total + 1`)
        return contact
      })

    const storedKey = decodeFirst(Schema.Struct({ fingerprint: Schema.String, contact_id: ContactId }))
    const cutoff = keysBefore(idempotencyTtl)

    // The key is claimed before anything else, so concurrent repeats queue on its row
    // and, once the first commits, read the contact it created. An expired key is
    // claimed afresh; a failed registration rolls its claim back with everything else.
    const createOnce = (input: RegisterContact, key: string, created_at: string) =>
      Effect.gen(function* () {
        const fingerprint = createHash("sha256")
          .update(JSON.stringify([input.external_id, input.source_id, input.message ?? null]))
          .digest("hex")
        const claimed = yield* inTransaction(sql`
          INSERT INTO idempotency_keys (key, fingerprint, contact_id, created_at)
          VALUES (${key}, ${fingerprint}, NULL, ${created_at})
          ON CONFLICT (key) DO UPDATE
          SET fingerprint = excluded.fingerprint, contact_id = NULL, created_at = excluded.created_at
          WHERE idempotency_keys.created_at < ${yield* cutoff}
          RETURNING key`)
        if (claimed.length === 1) {
          const contact = yield* create(input, created_at)
          yield* inTransaction(sql`UPDATE idempotency_keys SET contact_id = ${contact.id} WHERE key = ${key}`)
          return contact
        }
        const stored = yield* storedKey(
          inTransaction(sql`SELECT fingerprint, contact_id FROM idempotency_keys WHERE key = ${key}`)
        ).pipe(Effect.map(Option.getOrThrow))
        if (stored.fingerprint !== fingerprint) {
          return yield* new IdempotencyKeyReused({
            message: `Idempotency-Key "${key}" was already used with a different body`
          })
        }
        // The key's row commits with its contact, so the contact is there.
        return yield* get(stored.contact_id).pipe(Effect.catchTag("ContactNotFound", Effect.die))
      })

    /**
     * A registration inside a transaction its caller commits or rolls back: the
     * registrar commits several in one. It may fail after it has written (an unknown
     * source is found after the lead's upsert), so a failed one leaves that transaction
     * half-written: the caller must roll it back.
     */
    const registerInTransaction = (input: RegisterContact, idempotencyKey?: string) =>
      Effect.flatMap(now, (created_at) =>
        idempotencyKey === undefined ? create(input, created_at) : createOnce(input, idempotencyKey, created_at)
      ).pipe(Effect.catchTag("SqlError", Effect.die))

    const inOneTransaction = transaction(sql)
    const register = (input: RegisterContact, idempotencyKey?: string) =>
      registerInTransaction(input, idempotencyKey).pipe(inOneTransaction, Effect.catchTag("SqlError", Effect.die))

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
      }).pipe(inOneTransaction, Effect.catchTag("SqlError", Effect.die))

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

    return { register, registerInTransaction, get, update, list } as const
  })
}) {}
