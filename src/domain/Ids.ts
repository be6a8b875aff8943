import { Schema } from "effect"

// Ids are capped at the 32-bit range so an id in a URL can never overflow a
// PostgreSQL `integer` column and surface as a database error instead of a 404.
const MAX_ID = 2_147_483_647
const Id = Schema.Int.pipe(Schema.between(1, MAX_ID))

export const OperatorId = Id.pipe(Schema.brand("OperatorId")).annotations({ identifier: "OperatorId" })
export type OperatorId = typeof OperatorId.Type

export const SourceId = Id.pipe(Schema.brand("SourceId")).annotations({ identifier: "SourceId" })
export type SourceId = typeof SourceId.Type

export const LeadId = Id.pipe(Schema.brand("LeadId")).annotations({ identifier: "LeadId" })
export type LeadId = typeof LeadId.Type

export const ContactId = Id.pipe(Schema.brand("ContactId")).annotations({ identifier: "ContactId" })
export type ContactId = typeof ContactId.Type

/**
 * Path and query parameters arrive as text. Only plain decimal digits are numbers
 * here: JavaScript's own parsing would also read "0x2", "1e0", "2.0" or " 2 " as 2,
 * so one resource would answer to many spellings.
 */
const Decimal = Schema.String.pipe(
  Schema.pattern(/^(0|[1-9][0-9]*)$/, { message: (issue) => `${JSON.stringify(issue.actual)} is not a whole number in decimal digits` }),
  Schema.compose(Schema.NumberFromString)
).annotations({ identifier: "DecimalDigits" })

/** In the OpenAPI document such a parameter is the integer it stands for. */
export const fromString = <A, I extends number>(
  id: Schema.Schema<A, I>,
  jsonSchema: { readonly minimum: number; readonly maximum: number; readonly default?: number } = { minimum: 1, maximum: MAX_ID }
) => Schema.compose(Decimal, id, { strict: false }).annotations({ jsonSchema: { type: "integer", ...jsonSchema } })
