import { Schema } from "effect"

/** Bodies reject unknown fields, so a typo such as `max_lod` is a 400, not a silent default. */
export const strict = { parseOptions: { onExcessProperty: "error" } } as const

/**
 * Text both databases store as sent. PostgreSQL cannot store U+0000, and its driver
 * turns a lone UTF-16 surrogate (JSON allows "\ud800") into U+FFFD, so two different
 * external_ids would meet on one lead there and not on SQLite: both are refused.
 */
const storable = (what: string) => <I, R>(self: Schema.Schema<string, I, R>) =>
  self.pipe(
    Schema.filter((text) => !text.includes("\u0000"), {
      title: "no NUL character",
      message: () => `${what} must not contain the NUL character`
    }),
    Schema.filter((text) => !/\p{Surrogate}/u.test(text), {
      title: "well-formed Unicode",
      message: () => `${what} must be well-formed Unicode (it contains a lone surrogate)`
    })
  )

/** Characters as a reader counts them: "😀" is one, though JavaScript's length says 2. */
const characters = (text: string) => {
  let count = 0
  for (const _ of text) count++
  return count
}

// Only a string longer than `max` UTF-16 units can have more than `max` characters,
// so the count is taken only then.
const atMost = (max: number, what: string) => <I, R>(self: Schema.Schema<string, I, R>) =>
  self.pipe(
    Schema.filter((text) => text.length <= max || characters(text) <= max, {
      title: `at most ${max} characters`,
      message: () => `${what} must be at most ${max} characters`,
      jsonSchema: { maxLength: max }
    })
  )

const trimmed = (max: number, what: string, description: string) =>
  Schema.Trim.pipe(
    Schema.minLength(1, { message: () => `${what} must not be empty` }),
    atMost(max, what),
    storable(what)
  ).annotations({
    description,
    // The document describes what a client sends: any string that is 1–max characters once trimmed.
    jsonSchema: { type: "string", minLength: 1, maxLength: max, description }
  })

export const Name = trimmed(200, "name", "1–200 characters after trimming, unique (case-insensitive) within its kind")

export const ExternalId = trimmed(
  255,
  "external_id",
  "The customer's identity in the channel (email, phone, messenger id), 1–255 characters after trimming"
)

export const Message = Schema.String.pipe(atMost(10_000, "message"), storable("message"))

export const Description = Schema.String.pipe(atMost(2_000, "description"), storable("description"))

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
