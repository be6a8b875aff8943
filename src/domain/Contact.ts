import { Schema } from "effect"
import { ExternalId, Message, strict, Timestamp } from "./Fields.js"
import { ContactId, fromString, LeadId, OperatorId, SourceId } from "./Ids.js"
import { Cursor, Limit, Page } from "./Paging.js"

export class Contact extends Schema.Class<Contact>("Contact")({
  id: ContactId,
  lead_id: LeadId,
  source_id: SourceId,
  operator_id: Schema.NullOr(OperatorId).annotations({ description: "null when nobody was available" }),
  is_active: Schema.Boolean,
  message: Schema.NullOr(Schema.String),
  created_at: Timestamp,
  closed_at: Schema.NullOr(Timestamp)
}) {}

export const RegisterContact = Schema.Struct({
  external_id: ExternalId,
  source_id: SourceId,
  message: Schema.optional(Schema.NullOr(Message))
}).annotations({ identifier: "RegisterContact", ...strict })
export type RegisterContact = typeof RegisterContact.Type

export const IdempotencyKey = Schema.String.pipe(
  Schema.pattern(/^[\x21-\x7e]{1,255}$/, { message: () => "Idempotency-Key must be 1–255 visible ASCII characters" })
).annotations({
  description: "Repeats of a request with the same key and body return the contact the first one created"
})

export const RegisterHeaders = Schema.Struct({ "idempotency-key": Schema.optional(IdempotencyKey) })

export const UpdateContact = Schema.Struct({
  is_active: Schema.Boolean.annotations({ description: "false closes the contact; a closed contact cannot be reopened" })
}).annotations({ identifier: "UpdateContact", ...strict })
export type UpdateContact = typeof UpdateContact.Type

export const ContactFilter = Schema.Struct({
  source_id: Schema.optional(fromString(SourceId)),
  operator_id: Schema.optional(fromString(OperatorId)),
  lead_id: Schema.optional(fromString(LeadId)),
  is_active: Schema.optional(Schema.BooleanFromString),
  assigned: Schema.optional(Schema.BooleanFromString),
  limit: Schema.optional(Limit),
  cursor: Schema.optional(Cursor)
})
export type ContactFilter = typeof ContactFilter.Type

export const ContactPage = Page(Contact, "ContactPage")
export type ContactPage = typeof ContactPage.Type
