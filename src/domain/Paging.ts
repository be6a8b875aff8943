import { ParseResult, Schema } from "effect"
import { fromString } from "./Ids.js"

export const DEFAULT_LIMIT = 50
export const Limit = fromString(
  Schema.Int.pipe(Schema.between(1, 500, { message: () => "limit must be an integer from 1 to 500" })),
  { minimum: 1, maximum: 500, default: DEFAULT_LIMIT }
)

const PREFIX = "id:"
const encode = (id: number) => Buffer.from(`${PREFIX}${id}`, "utf8").toString("base64url")

/**
 * The cursor is opaque to clients (base64url of the last id seen) so the keyset
 * can change later without breaking anyone who stored one.
 */
export const Cursor = Schema.transformOrFail(
  Schema.String,
  Schema.Int.pipe(Schema.between(0, 2_147_483_647)),
  {
    strict: true,
    decode: (text, _, ast) => {
      const raw = Buffer.from(text, "base64url").toString("utf8")
      const id = raw.startsWith(PREFIX) ? Number(raw.slice(PREFIX.length)) : Number.NaN
      // Only the exact text this service writes: "id:" alone or "id:0x1" would read as
      // numbers too, and Node's base64url decoder also takes padding and stray bits.
      return Number.isSafeInteger(id) && id >= 0 && encode(id) === text
        ? ParseResult.succeed(id)
        : ParseResult.fail(new ParseResult.Type(ast, text, "cursor is not one this service issued"))
    },
    encode: (id) => ParseResult.succeed(encode(id))
  }
).annotations({ description: "Opaque cursor from a previous page's next_cursor" })

/** Fetches one row more than asked so the last page is known without a second query. */
export const toPage = <A extends { readonly id: number }>(rows: ReadonlyArray<A>, limit: number) => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return {
    items,
    next_cursor: rows.length > limit && last !== undefined ? last.id : null
  }
}

export const Page = <A, I, R>(item: Schema.Schema<A, I, R>, identifier: string) =>
  // The same Cursor as the query parameter, so a client hands next_cursor straight back.
  Schema.Struct({ items: Schema.Array(item), next_cursor: Schema.NullOr(Cursor) }).annotations({
    identifier
  })
