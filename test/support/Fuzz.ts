import type { HttpMethod } from "@effect/platform"
import { Arbitrary, FastCheck as fc, Option, Schema } from "effect"
import { Api } from "../../src/http/Api.js"
import { asJson, type Json } from "./Json.js"
import { type BodyCase, mutations, validBody } from "./Mutations.js"

export type IdKind = "operator" | "source" | "contact" | "lead"
/** Ids that exist in the database, so part of the requests reach real rows. */
export type KnownIds = Readonly<Record<IdKind, ReadonlyArray<number>>>

export interface FuzzRequest {
  readonly operation: string
  readonly variant: string
  readonly method: HttpMethod.HttpMethod
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: BodyCase | undefined
}

const groupKinds: Readonly<Partial<Record<string, IdKind>>> =
  { operators: "operator", sources: "source", contacts: "contact", leads: "lead" }
const fieldKinds: Readonly<Partial<Record<string, IdKind>>> =
  { operator_id: "operator", source_id: "source", contact_id: "contact", lead_id: "lead" }

/** Every endpoint of the API definition, with the schemas its requests are drawn from. */
export const operations = Object.values(Api.groups).flatMap((group) =>
  Object.values(group.endpoints).map((endpoint) => ({
    name: `${group.identifier}.${endpoint.name}`,
    method: endpoint.method,
    path: endpoint.path,
    pathKind: groupKinds[group.identifier],
    schemas: {
      path: Option.getOrUndefined<Schema.Schema.AnyNoContext>(endpoint.pathSchema),
      query: Option.getOrUndefined<Schema.Schema.AnyNoContext>(endpoint.urlParamsSchema),
      payload: Option.getOrUndefined<Schema.Schema.AnyNoContext>(endpoint.payloadSchema),
      headers: Option.getOrUndefined<Schema.Schema.AnyNoContext>(endpoint.headersSchema)
    }
  })))
type Operation = (typeof operations)[number]

/** Encoded (wire-form) values drawn from `Arbitrary.make` of the schema itself. */
const encoded = (schema: Schema.Schema.AnyNoContext | undefined): fc.Arbitrary<Json> =>
  schema === undefined
    ? fc.constant({})
    : Arbitrary.make(schema).map((a) => asJson(Schema.encodeUnknownSync(schema)(a)))

type Chooser = (kind: IdKind | undefined) => number | undefined

/** Existing ids for every id field (mode below 30), for none (from 70), or for each by its own pick. */
const chooser = (known: KnownIds, mode: number, picks: ReadonlyArray<number>): Chooser => {
  let next = 0
  return (kind) => {
    const pick = picks[next++ % picks.length] ?? 0
    const ids = kind === undefined ? [] : known[kind]
    return mode < 30 || (mode < 70 && pick < 50) ? ids[pick % Math.max(1, ids.length)] : undefined
  }
}

const idFields = (value: Json) =>
  JSON.stringify(value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.entries(value).filter(([k]) => fieldKinds[k] !== undefined)
    : value)

/**
 * Swaps id fields (`source_id`, the path's `id`, ...) as `choose` says. A list keeps
 * one entry per id, so a valid weights body does not turn into a duplicate-id 400.
 */
const adopt = (value: Json, choose: Chooser, pathKind?: IdKind): Json => {
  if (Array.isArray(value)) {
    const seen = new Set<string>()
    return value.map((v) => adopt(v, choose)).filter((v) => {
      const key = idFields(v)
      return seen.has(key) ? false : (seen.add(key), true)
    })
  }
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([key, v]): [string, Json] => {
    const id = choose(key === "id" ? pathKind : fieldKinds[key])
    if (id === undefined || (typeof v !== "number" && typeof v !== "string")) return [key, adopt(v, choose)]
    return [key, typeof v === "number" ? id : String(id)]
  }))
}

interface Draft {
  readonly params: Record<string, string>
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly payload: Json | undefined
  readonly headers: Record<string, string>
}

const fields = (value: Json): Array<readonly [string, string]> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as const)
    : []

const draft = (op: Operation, known: KnownIds): fc.Arbitrary<Draft> =>
  fc.record({
    params: encoded(op.schemas.path),
    query: encoded(op.schemas.query),
    payload: encoded(op.schemas.payload),
    headers: encoded(op.schemas.headers),
    mode: fc.nat(99),
    picks: fc.array(fc.nat(99), { minLength: 8, maxLength: 8 })
  }).map(({ headers, mode, params, payload, picks, query }) => {
    const choose = chooser(known, mode, picks)
    return {
      params: Object.fromEntries(fields(adopt(params, choose, op.pathKind))),
      query: fields(adopt(query, choose)).map(([k, v]) => [k, encodeURIComponent(v)] as const),
      payload: op.schemas.payload === undefined ? undefined : adopt(payload, choose),
      headers: Object.fromEntries(fields(headers))
    }
  })

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url")
// Raw, already percent-encoded: "%ff" is invalid UTF-8 once decoded, "%D9%A1" an Arabic-Indic digit one.
const badIds = ["0", "-1", "abc", "1.5", "99999999999999999999", "2147483648", "2147483647", "999999", "1e3", "%20",
  "%ff", "%00", "0x1", "%201", "Infinity", "NaN", "", "%D9%A1", "1%2F2", "null"]
const badQuery = {
  limit: ["0", "501", "x", "", "-1", "1.5", "1e2", "%20", "9999999999999999999999", "0x10"],
  cursor: ["", "x", "!!!", b64("id:-1"), b64("id:abc"), b64("id:99999999999"), b64("id:1.5"), b64("id:"), "%ff",
    "a".repeat(4_000)],
  is_active: ["maybe", "1", "0", "TRUE", "", "yes", "%00"],
  assigned: ["maybe", "1", "null"],
  source_id: ["0", "-1", "x", "1e400", "2147483648", ""],
  operator_id: ["0", "abc", "4294967296"],
  lead_id: ["-5", "1.5", "%ff"],
  external_id: ["", "%20", "x".repeat(4_000), "%ff", "%00", "%E2%80%AE"],
  unknown: ["1", "%ff"]
} satisfies Record<string, ReadonlyArray<string>>
const badKeys = ["", " ", "a b", "x".repeat(256), "é", "\t"]

type Query = ReadonlyArray<readonly [string, string]>

const pathOf = (op: Operation, params: Record<string, string>, suffix: string, query: Query) =>
  op.path.replace(/:(\w+)/g, (_: string, name: string) => params[name] ?? "") + suffix +
  (query.length > 0 ? `?${query.map(([k, v]) => `${k}=${v}`).join("&")}` : "")

const badParam = fc.constantFrom(...Object.entries(badQuery))
  .chain(([key, values]) => fc.tuple(fc.constant(key), fc.constantFrom(...values), fc.boolean()))

/** One to three parameters set to bad values, each replacing the valid one or repeating the key. */
const spoilQuery = (query: Query) =>
  fc.array(badParam, { minLength: 1, maxLength: 3 }).map((changes) =>
    changes.reduce<Query>((q, [k, v, repeat]) => [...(repeat ? q : q.filter(([key]) => key !== k)), [k, v]], query))

type Changes = Partial<Draft> & { readonly body?: BodyCase; readonly method?: HttpMethod.HttpMethod; readonly suffix?: string }

/** One operation's requests: a valid one, or one with exactly one part spoiled. */
const requestsFor = (op: Operation, known: KnownIds, limit: number): fc.Arbitrary<FuzzRequest> =>
  draft(op, known).chain((d) => {
    const make = (variant: string, changes: Changes): FuzzRequest => {
      const next = { ...d, ...changes }
      return {
        operation: op.name,
        variant,
        method: changes.method ?? op.method,
        path: pathOf(op, next.params, changes.suffix ?? "", next.query),
        headers: next.headers,
        body: changes.body ?? (next.payload === undefined ? undefined : validBody(next.payload))
      }
    }
    const methods = fc.constantFrom<HttpMethod.HttpMethod>("GET", "POST", "PUT", "PATCH", "DELETE").filter((m) => m !== op.method)
    const withKey = (variant: string) => (key: string) => make(variant, { headers: { "idempotency-key": key } })
    const cases: Array<fc.WeightedArbitrary<FuzzRequest>> = [
      { weight: 6, arbitrary: fc.constant(make("valid", {})) },
      { weight: 1, arbitrary: methods.map((method) => make("wrong method", { method })) },
      { weight: 1, arbitrary: fc.constantFrom("/x", "/", "/../../nope", "%ff", "/1/2").map((suffix) => make("unknown route", { suffix })) },
      { weight: op.schemas.query === undefined ? 1 : 3, arbitrary: spoilQuery(d.query).map((query) => make("bad query", { query })) }
    ]
    if (op.schemas.path !== undefined) {
      cases.push({ weight: 3, arbitrary: fc.constantFrom(...badIds).map((id) => make("bad id in path", { params: { id } })) })
    }
    if (op.schemas.headers !== undefined) {
      cases.push({ weight: 1, arbitrary: fc.constantFrom(...badKeys).map(withKey("bad header")) })
      cases.push({ weight: 1, arbitrary: fc.constantFrom("fuzz-1", "fuzz-2").map(withKey("reused key")) })
    }
    for (const body of d.payload === undefined ? [] : mutations(d.payload, limit)) {
      cases.push({ weight: 1, arbitrary: body.map((b) => make(b.variant, { body: b })) })
    }
    return fc.oneof(...cases)
  })

/** Requests for every operation of the API, in equal shares. */
export const fuzzRequests = (known: KnownIds, limit: number) =>
  fc.oneof(...operations.map((op) => requestsFor(op, known, limit)))
