import { Schema } from "effect"

// Ids are capped at the 32-bit range so an id in a URL can never overflow a
// PostgreSQL `integer` column and surface as a database error instead of a 404.
const Id = Schema.Int.pipe(Schema.between(1, 2_147_483_647))

export const OperatorId = Id.pipe(Schema.brand("OperatorId")).annotations({ identifier: "OperatorId" })
export type OperatorId = typeof OperatorId.Type

export const SourceId = Id.pipe(Schema.brand("SourceId")).annotations({ identifier: "SourceId" })
export type SourceId = typeof SourceId.Type

export const LeadId = Id.pipe(Schema.brand("LeadId")).annotations({ identifier: "LeadId" })
export type LeadId = typeof LeadId.Type

export const ContactId = Id.pipe(Schema.brand("ContactId")).annotations({ identifier: "ContactId" })
export type ContactId = typeof ContactId.Type

/** Path and query parameters arrive as text. */
export const fromString = <A, I extends number>(id: Schema.Schema<A, I>) =>
  Schema.compose(Schema.NumberFromString, id, { strict: false })
