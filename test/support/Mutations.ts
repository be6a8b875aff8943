import { FastCheck as fc } from "effect"
import { asJson, isObject, type Json, nodes, type Path, RAW, render, setAt } from "./Json.js"

/** One body to send: its bytes and its Content-Type ("" sends none). */
export interface BodyCase {
  readonly variant: string
  readonly bytes: Uint8Array
  readonly contentType: string
}

const utf8 = (text: string) => new TextEncoder().encode(text)
const json = (variant: string, text: string, contentType = "application/json"): BodyCase =>
  ({ variant, bytes: utf8(text), contentType })

const kindOf = (value: Json) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value)
const strangers: ReadonlyArray<Json> = [null, true, false, 0, -1, 1.5, "", "1", "true", [], [1], {}, { a: 1 }]

const numbers = ["-1", "0", "1000001", "2147483648", "-2147483649", "9007199254740993", "1e21", "1e308",
  "1e999", "-1e999", "0.5", "-0", "1.0", "1E2", "4294967297"]

const strings = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("", " ", "\t\n\r ", "x".repeat(201), "x".repeat(256), "x".repeat(2_001),
    "x".repeat(10_001), "y".repeat(60_000), "😀".repeat(101), "\u0000", "a\u0000b", "\u0000\u0000", "\ud800",
    "\udc00x", "İ", "\u202e", "\ufeff", "\u0085", "'; --") },
  { weight: 1, arbitrary: fc.string16bits({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom("\u0000", "\u0001", "\u001b", "\u007f"))
    .map(([s, control]) => `${s}${control}${s}`) }
)

const brokenJson = ["", " ", "{", "}", "[", "{]", "{\"a\":}", "{,}", "nul", "NaN", "undefined", "{'name':'x'}",
  "{name:\"x\"}", "{\"name\":\"\\x41\"}", "{\"name\":\"a\nb\"}", "// c\n{}", "\"\\ud800", "{}{}", "1 2"]

const badBytes: ReadonlyArray<ReadonlyArray<number>> = [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xc3], [0xf0, 0x9f, 0x98], [0x00]]

const contentTypes = ["", "text/plain", "text/html", "application/x-www-form-urlencoded", "multipart/form-data",
  "multipart/form-data; boundary=fuzz", "application/xml", "application/octet-stream", "image/png", "*/*",
  "application/json; charset=utf-16", "application/json; charset=latin1", "APPLICATION/JSON",
  "application/vnd.api+json", "application/json-patch+json", "text/json"]

const formFields = (value: Json): Array<[string, string]> =>
  isObject(value) ? Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]) : []

const multipart = (value: Json) =>
  formFields(value).map(([k, v]) => `--fuzz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
  "--fuzz--\r\n"

const pick = <A>(items: ReadonlyArray<A>) => fc.constantFrom(...items)

/** A valid payload, taken apart once for the mutations below. */
interface Target {
  readonly value: Json
  readonly text: string
  readonly all: ReadonlyArray<{ readonly path: Path; readonly value: Json }>
  readonly leaves: ReadonlyArray<{ readonly path: Path; readonly value: Json }>
}

/** The nodes of one kind, else any leaf, else the root: every family applies to every payload. */
const some = (target: Target, kind: "number" | "string") => {
  const matching = target.leaves.filter((n) => typeof n.value === kind)
  return matching.length > 0 ? matching : target.leaves.length > 0 ? target.leaves : target.all
}

const wrongType = ({ all, value }: Target) =>
  pick(all).chain((node) => pick(strangers.filter((s) => kindOf(s) !== kindOf(node.value)))
    .map((s) => json("wrong type", render(setAt(value, node.path, s)))))

const extraField = ({ all, value }: Target) =>
  fc.tuple(
    pick(all.filter((n) => isObject(n.value))),
    fc.oneof(pick(["id", "load", "created_at", "__proto__", "constructor", "NAME", "name ", ""]), fc.string({ maxLength: 12 })),
    fc.oneof(pick(strangers), fc.jsonValue({ maxDepth: 2 }))
  ).map(([{ path }, key, extra]) => json("extra field", render(setAt(value, [...path, key], asJson(extra)))))

const missingField = ({ all, value }: Target) => {
  const fields = all.filter((n) => typeof n.path[n.path.length - 1] === "string")
  return fields.length === 0
    ? fc.constant(json("missing field", "{}"))
    : pick(fields).map(({ path }) => json("missing field", render(setAt(value, path, undefined))))
}

const outOfRange = (target: Target) =>
  fc.tuple(pick(some(target, "number")), pick(numbers))
    .map(([{ path }, n]) => json("out-of-range number", render(setAt(target.value, path, `${RAW}${n}`))))

const oddString = (target: Target) =>
  fc.tuple(pick(some(target, "string")), strings)
    .map(([{ path }, s]) => json("huge, empty or odd string", render(setAt(target.value, path, s))))

const invalidJson = ({ text }: Target) =>
  fc.oneof(
    pick(brokenJson),
    fc.nat(Math.max(0, text.length - 1)).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat(text.length), pick(["{", "}", "[", "]", ",", ":", "\"", "\\", "'", "x", "\u0000"]))
      .map(([n, c]) => text.slice(0, n) + c + text.slice(n)),
    pick([text.replaceAll("\"", "'"), `\ufeff${text}`, `${text}${text}`, `/*c*/${text}`, text.replace(/}$/, ",}")]),
    // Deep nesting is valid JSON, but every recursive walk over it is a stack at risk.
    fc.integer({ min: 1, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.integer({ min: 1, max: 6_000 }).map((n) => "{\"a\":".repeat(n) + "1" + "}".repeat(n))
  ).map((t) => json("invalid JSON", t))

const invalidUtf8 = ({ text }: Target) => {
  const bytes = utf8(text)
  return fc.tuple(fc.nat(bytes.length), pick(badBytes)).map(([n, bad]): BodyCase => ({
    variant: "invalid UTF-8",
    bytes: new Uint8Array([...bytes.subarray(0, n), ...bad, ...bytes.subarray(n)]),
    contentType: "application/json"
  }))
}

const wrongContentType = ({ text, value }: Target) =>
  fc.oneof(
    pick(contentTypes).map((type) => json("wrong content type", text, type)),
    pick(contentTypes).map((type) => json("wrong content type", "", type)),
    fc.constant(json("wrong content type", new URLSearchParams(formFields(value)).toString(), "application/x-www-form-urlencoded")),
    fc.constant(json("wrong content type", multipart(value), "multipart/form-data; boundary=fuzz"))
  )

const overLimit = ({ leaves, text, value }: Target, limit: number) =>
  fc.tuple(fc.integer({ min: limit + 1, max: 3 * limit }), fc.nat(2)).map(([size, how]) =>
    json("over the size limit", how === 0 || leaves[0] === undefined
      ? text + " ".repeat(size)
      : render(setAt(value, how === 1 ? leaves[0].path : ["padding"], "z".repeat(size)))))

// Exactly at the limit the body must still be read (then judged on its content).
const atLimit = ({ text }: Target, limit: number) =>
  fc.constant(json("at the size limit", text + " ".repeat(Math.max(0, limit - utf8(text).length))))

/**
 * Every way this fuzzer spoils a valid payload, one family of cases each;
 * `limit` is the server's MAX_BODY_SIZE, so sizes around it can be aimed at.
 */
export const mutations = (value: Json, limit: number): Array<fc.Arbitrary<BodyCase>> => {
  const all = nodes(value)
  const target: Target = {
    value,
    text: render(value),
    all,
    leaves: all.filter((n) => n.path.length > 0 && !isObject(n.value) && !Array.isArray(n.value))
  }
  return [wrongType, extraField, missingField, outOfRange, oddString, invalidJson, invalidUtf8, wrongContentType]
    .map((family) => family(target))
    .concat([overLimit(target, limit), atLimit(target, limit)])
}

export const validBody = (payload: Json): BodyCase => json("valid", render(payload))
