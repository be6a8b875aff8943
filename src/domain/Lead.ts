import { Schema } from "effect"
import { ExternalId, Timestamp } from "./Fields.js"
import { Contact } from "./Contact.js"
import { LeadId } from "./Ids.js"
import { Cursor, Limit, Page } from "./Paging.js"

const leadFields = {
  id: LeadId,
  external_id: Schema.String,
  created_at: Timestamp,
  contacts_count: Schema.Int
}

export class Lead extends Schema.Class<Lead>("Lead")(leadFields) {}

export class LeadDetail extends Schema.Class<LeadDetail>("LeadDetail")({
  ...leadFields,
  contacts: Schema.Array(Contact)
}) {}

export const LeadFilter = Schema.Struct({
  external_id: Schema.optional(ExternalId),
  limit: Schema.optional(Limit),
  cursor: Schema.optional(Cursor)
})
export type LeadFilter = typeof LeadFilter.Type

export const LeadPage = Page(Lead, "LeadPage")
export type LeadPage = typeof LeadPage.Type
