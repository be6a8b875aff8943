import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { LeadNotFound } from "../domain/Errors.js"
import type { LeadId } from "../domain/Ids.js"
import { Lead, LeadDetail, type LeadFilter } from "../domain/Lead.js"
import { DEFAULT_LIMIT, toPage } from "../domain/Paging.js"
import { ContactRow, contactColumns } from "./Contacts.js"
import { decodeFirst, decodeRows, readTogether } from "./Sql.js"

export class Leads extends Effect.Service<Leads>()("Leads", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const columns = sql.literal("id, external_id, created_at, contacts_count")
    const leads = decodeRows(Lead)
    const oneLead = decodeFirst(Lead)
    const contactsOf = decodeRows(ContactRow)

    const list = (filter: LeadFilter) => {
      const limit = filter.limit ?? DEFAULT_LIMIT
      const conditions = [sql`id > ${filter.cursor ?? 0}`]
      if (filter.external_id !== undefined) conditions.push(sql`external_id = ${filter.external_id}`)
      return leads(
        sql`SELECT ${columns} FROM leads WHERE ${sql.and(conditions)} ORDER BY id LIMIT ${limit + 1}`
      ).pipe(Effect.map((rows) => toPage(rows, limit)))
    }

    const get = (id: LeadId) =>
      Effect.gen(function* () {
        const lead = yield* oneLead(sql`SELECT ${columns} FROM leads WHERE id = ${id}`)
        if (Option.isNone(lead)) return yield* LeadNotFound.of(id)
        const contacts = yield* contactsOf(
          sql`SELECT ${sql.literal(contactColumns)} FROM contacts WHERE lead_id = ${id} ORDER BY id`
        )
        return new LeadDetail({ ...lead.value, contacts }, { disableValidation: true })
      }).pipe(readTogether(sql), Effect.catchTag("SqlError", Effect.die))

    return { list, get } as const
  })
}) {}
