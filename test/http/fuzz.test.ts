import { expect, layer } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import type { OperatorId, SourceId } from "../../src/domain/Ids.js"
import { forEachDatabase, type TestDatabase } from "../support/Databases.js"
import { type FuzzRequest, fuzzRequests, type KnownIds, operations } from "../support/Fuzz.js"
import { describeRequest, fingerprint, problemsOf, sendBytes } from "../support/FuzzRun.js"
import { Client, TestApp, unique } from "../support/TestApp.js"

/** Fixed so a failure replays exactly: the same seed draws the same requests in the same order. */
const SEED = 20_261_123
/** Small, so bodies over the limit stay cheap to build and send. */
const LIMIT = 64 * 1024
/** SQLite carries the 5,000+; PostgreSQL gets a shorter run of the same sequence to bound the file's time. */
const COUNT: Readonly<Record<TestDatabase["name"], number>> = { sqlite: 5_400, postgres: 3_000 }

/** A few rows of each kind, so part of the requests hit ids that exist. */
const seedRows = Effect.gen(function* () {
  const client = yield* Client
  const operator: Array<OperatorId> = []
  for (const max_load of [0, 1, 3, 1_000]) {
    operator.push((yield* client.operators.create({ payload: { name: unique("fuzz-op"), max_load } })).id)
  }
  const source: Array<SourceId> = []
  for (const _ of [1, 2, 3]) source.push((yield* client.sources.create({ payload: { name: unique("fuzz-src") } })).id)
  for (const id of source.slice(0, 2)) {
    const weights = operator.map((operator_id, i) => ({ operator_id, weight: i + 1 }))
    yield* client.sources.replaceWeights({ path: { id }, payload: { weights } })
  }
  const contact: Array<number> = []
  const lead = new Set<number>()
  for (const i of [0, 1, 2, 3, 4, 5]) {
    const created = yield* client.contacts.register({
      headers: {},
      payload: { external_id: `fuzz-lead-${i % 3}`, source_id: source[i % 3] }
    })
    contact.push(created.id)
    lead.add(created.lead_id)
  }
  return { operator, source, contact, lead: [...lead] } satisfies KnownIds
})

const bytes = (text: string) => new TextEncoder().encode(text)
const regression = (name: string, method: FuzzRequest["method"], path: string, body: string, contentType: string): FuzzRequest =>
  ({ operation: name, variant: "regression", method, path, headers: {}, body: { variant: "regression", bytes: bytes(body), contentType } })

/**
 * What this fuzzer once found, each as its smallest reproduction, so it stays fixed.
 */
const regressions: ReadonlyArray<FuzzRequest> = [
  // Was a 500: formatting the decode error's "actual" value overflowed the stack (from ~2,250 levels).
  regression("JSON nested 5,000 arrays deep", "POST", "/sources", "[".repeat(5_000) + "]".repeat(5_000), "application/json"),
  // Was a 500: the platform's multipart parser failed on a missing boundary.
  regression("empty multipart body without a boundary", "POST", "/contacts", "", "multipart/form-data"),
  // Was no response at all: the multipart parser waited forever on an empty body.
  regression("empty multipart body with a boundary", "POST", "/contacts", "", "multipart/form-data; boundary=x"),
  // Was a 5xx on PostgreSQL, which refuses U+0000 in text; now a 400 on both databases.
  regression("NUL in an operator name", "POST", "/operators", "{\"name\":\"a\\u0000b\"}", "application/json"),
  { ...regression("NUL in the external_id filter", "GET", "/leads?external_id=%00", "", ""), body: undefined }
]

forEachDatabase((db) => layer(TestApp(db, { MAX_BODY_SIZE: String(LIMIT) }))(`fuzzed requests on ${db.name}`, (it) => {
  it.effect(`${COUNT[db.name]} requests drawn from the API's schemas: no 5xx, JSON errors, rejections write nothing`, () =>
    Effect.gen(function* () {
      const ids = yield* seedRows
      const requests = fc.sample(fuzzRequests(ids, LIMIT), { seed: SEED, numRuns: COUNT[db.name] })
      const statuses = new Map<number, number>()
      const failures = new Map<string, { count: number; example: string }>()
      let writes = 0
      const started = Date.now()
      let before = yield* fingerprint
      for (const request of requests) {
        const reply = yield* sendBytes(request)
        const after = yield* fingerprint
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
        if (after !== before && reply.status < 300) writes++
        for (const problem of problemsOf(request, reply, after !== before, LIMIT)) {
          const key = `${problem}: ${request.operation} / ${request.variant}`
          const seen = failures.get(key)
          if (seen !== undefined) seen.count++
          else failures.set(key, { count: 1, example: `${describeRequest(request)} -> ${reply.status} ${reply.text.slice(0, 200)}` })
        }
        before = after
      }
      const counts = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ")
      console.log(`fuzz on ${db.name}, seed ${SEED}: ${requests.length} requests in ${Date.now() - started} ms; ${counts}`)

      expect(new Set(requests.map((r) => r.operation))).toEqual(new Set(operations.map((op) => op.name)))
      // The fingerprint does see writes: otherwise "nothing written" would hold vacuously.
      expect(writes).toBeGreaterThan(100)
      expect([...failures].map(([key, { count, example }]) => `${key} (${count}x), e.g. ${example}`)).toEqual([])
      expect(requests.length).toBeGreaterThanOrEqual(db.name === "sqlite" ? 5_000 : 1_000)
    }), { timeout: 120_000 })

  for (const request of regressions) {
    it.effect(`stays fixed: ${request.operation}`, () =>
      Effect.gen(function* () {
        const before = yield* fingerprint
        const reply = yield* sendBytes(request)
        const problems = problemsOf(request, reply, (yield* fingerprint) !== before, LIMIT)
        expect(problems, `${describeRequest(request)} -> ${reply.status} ${reply.text.slice(0, 300)}`).toEqual([])
      }))
  }
}))
