import { Schema } from "effect"

/** Bodies reject unknown fields, so a typo such as `max_lod` is a 400, not a silent default. */
export const strict = { parseOptions: { onExcessProperty: "error" } } as const

/** PostgreSQL cannot store U+0000 in text; refusing it everywhere keeps both databases alike. */
const withoutNul = (what: string) => <I, R>(self: Schema.Schema<string, I, R>) =>
  self.pipe(Schema.filter((text) => !text.includes("\u0000"), { message: () => `${what} must not contain the NUL character` }))

const trimmed = (max: number, what: string) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => `${what} must not be empty` }),
    Schema.maxLength(max, { message: () => `${what} must be at most ${max} characters` }),
    withoutNul(what)
  )

export const Name = trimmed(200, "name").annotations({
  description: "1–200 characters after trimming, unique (case-insensitive) within its kind"
})

export const ExternalId = trimmed(255, "external_id").annotations({
  description: "The customer's identity in the channel (email, phone, messenger id), 1–255 characters after trimming"
})

export const Message = Schema.String.pipe(
  Schema.maxLength(10_000, { message: () => "message must be at most 10000 characters" }),
  withoutNul("message")
)

export const Description = Schema.String.pipe(
  Schema.maxLength(2_000, { message: () => "description must be at most 2000 characters" }),
  withoutNul("description")
)

const boundedInt = (max: number, what: string) =>
  Schema.Int.pipe(
    Schema.between(0, max, { message: () => `${what} must be an integer from 0 to ${max}` })
  )

export const MaxLoad = boundedInt(1_000_000, "max_load")
export const WeightValue = boundedInt(1_000_000, "weight")

export const Timestamp = Schema.String.annotations({
  description: "ISO-8601 UTC time",
  jsonSchema: { type: "string", format: "date-time" }
})

/** A 0/1 column read back as a boolean: SQLite has no boolean type, so both databases store integers. */
export const IntBool = Schema.transform(Schema.Number, Schema.Boolean, {
  strict: true,
  decode: (n) => n !== 0,
  encode: (b) => (b ? 1 : 0)
})
