/** A JSON value as the fuzzer builds and edits it. */
export type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }
export type Path = ReadonlyArray<string | number>

export const isObject = (value: Json): value is { [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Checks that an encoded payload is plain JSON, so the mutations can walk it. */
export const asJson = (value: unknown): Json => {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value
  if (typeof value === "number" && Number.isFinite(value)) return value
  if (Array.isArray(value)) return value.map(asJson)
  if (typeof value === "object") {
    // An optional field the encoder left as undefined is simply absent on the wire.
    const present = Object.entries(value).filter(([, v]) => v !== undefined)
    return Object.fromEntries(present.map(([k, v]): [string, Json] => [k, asJson(v)]))
  }
  throw new Error(`not JSON: ${String(value)}`)
}

/** Every value inside `value` with the path that reaches it, the root first. */
export const nodes = (value: Json, path: Path = []): Array<{ readonly path: Path; readonly value: Json }> => [
  { path, value },
  ...(Array.isArray(value)
    ? value.flatMap((v, i) => nodes(v, [...path, i]))
    : isObject(value)
    ? Object.entries(value).flatMap(([k, v]) => nodes(v, [...path, k]))
    : [])
]

// defineProperty, not assignment: a key such as "__proto__" must become a plain field.
const withKey = (object: { [key: string]: Json }, key: string, value: Json | undefined) => {
  const copy: { [key: string]: Json } = {}
  for (const [k, v] of Object.entries(object)) {
    if (k !== key) Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  if (value !== undefined) Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  return copy
}

/** A copy of `root` with the value at `path` replaced, or removed when `value` is undefined. */
export const setAt = (root: Json, path: Path, value: Json | undefined): Json => {
  const [head, ...rest] = path
  if (head === undefined) return value ?? null
  if (Array.isArray(root) && typeof head === "number") {
    if (rest.length === 0 && value === undefined) return root.filter((_, i) => i !== head)
    const copy = [...root]
    copy[head] = setAt(root[head] ?? null, rest, value)
    return copy
  }
  if (isObject(root) && typeof head === "string") {
    return withKey(root, head, rest.length === 0 ? value : setAt(root[head] ?? null, rest, value))
  }
  return root
}

// Raw tokens JSON.stringify cannot write (1e999, -0): set as a marker string, unquoted by render.
export const RAW = "\u0001raw:"
export const render = (value: Json) => JSON.stringify(value).replace(/"\\u0001raw:([^"]*)"/g, "$1")
