import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { forEachDatabase } from "../support/Databases.js"
import { Client, countRows, sendRaw, TestApp, unique } from "../support/TestApp.js"

type Method = "POST" | "PATCH" | "PUT" | "GET"

/**
 * Every limit of SPEC.md's validation list, each sent against ids that exist so
 * the limit alone is what rejects it; plus bodies that are not JSON or not objects.
 */
const badRequests = (ids: { operator: number; source: number; contact: number }) => {
  const weights = (entries: ReadonlyArray<unknown>) => JSON.stringify({ weights: entries })
  const contact = (fields: Record<string, unknown>) =>
    JSON.stringify({ external_id: "lead@example.com", source_id: ids.source, ...fields })
  const rows: ReadonlyArray<[string, Method, string, string | undefined]> = [
    ["operator name empty after trimming", "POST", "/operators", JSON.stringify({ name: " \t " })],
    ["operator name of 201 characters", "POST", "/operators", JSON.stringify({ name: "n".repeat(201) })],
    ["operator name not a string", "POST", "/operators", JSON.stringify({ name: 42 })],
    ["operator without a name", "POST", "/operators", JSON.stringify({ max_load: 3 })],
    ["max_load below 0", "POST", "/operators", JSON.stringify({ name: "m", max_load: -1 })],
    ["max_load above 1,000,000", "POST", "/operators", JSON.stringify({ name: "m", max_load: 1_000_001 })],
    ["max_load not an integer", "POST", "/operators", JSON.stringify({ name: "m", max_load: 2.5 })],
    ["max_load as a string", "POST", "/operators", JSON.stringify({ name: "m", max_load: "5" })],
    ["patch with max_load above the limit", "PATCH", `/operators/${ids.operator}`, JSON.stringify({ max_load: 2e6 })],
    ["patch with an empty name", "PATCH", `/operators/${ids.operator}`, JSON.stringify({ name: "" })],
    ["source name empty", "POST", "/sources", JSON.stringify({ name: "" })],
    ["source name of 201 characters", "POST", "/sources", JSON.stringify({ name: "s".repeat(201) })],
    ["weight below 0", "POST", `/sources/${ids.source}/operators`, weights([{ operator_id: ids.operator, weight: -1 }])],
    ["weight above 1,000,000", "PUT", `/sources/${ids.source}/operators`, weights([{ operator_id: ids.operator, weight: 1_000_001 }])],
    ["weight not an integer", "POST", `/sources/${ids.source}/operators`, weights([{ operator_id: ids.operator, weight: 0.5 }])],
    ["duplicate operator_id in one body", "POST", `/sources/${ids.source}/operators`,
      weights([{ operator_id: ids.operator, weight: 1 }, { operator_id: ids.operator, weight: 2 }])],
    ["weights not a list", "PUT", `/sources/${ids.source}/operators`, JSON.stringify({ weights: {} })],
    ["operator_id 0", "POST", `/sources/${ids.source}/operators`, weights([{ operator_id: 0, weight: 1 }])],
    ["external_id empty after trimming", "POST", "/contacts", contact({ external_id: "   " })],
    ["external_id of 256 characters", "POST", "/contacts", contact({ external_id: "e".repeat(256) })],
    ["external_id with a lone surrogate", "POST", "/contacts", contact({ external_id: "lead\ud800" })],
    ["operator name of 201 characters outside the BMP", "POST", "/operators", JSON.stringify({ name: "😀".repeat(201) })],
    ["operator name with a lone surrogate", "POST", "/operators", JSON.stringify({ name: "x\udfff" })],
    ["message with a lone surrogate", "POST", "/contacts", contact({ message: "hi \ud83d" })],
    ["message of 10,001 characters", "POST", "/contacts", contact({ message: "m".repeat(10_001) })],
    ["source_id as a string", "POST", "/contacts", contact({ source_id: String(ids.source) })],
    ["source_id beyond the id range", "POST", "/contacts", contact({ source_id: 2 ** 31 })],
    ["reopen flag not a boolean", "PATCH", `/contacts/${ids.contact}`, JSON.stringify({ is_active: "false" })],
    ["limit 0", "GET", "/contacts?limit=0", undefined],
    ["limit 501", "GET", "/leads?limit=501", undefined],
    ["limit not a number", "GET", "/contacts?limit=ten", undefined],
    ["a cursor this service did not issue", "GET", "/contacts?cursor=not-a-cursor", undefined],
    ["is_active filter not a boolean", "GET", "/contacts?is_active=maybe", undefined],
    ["an id in the path beyond the id range", "GET", "/contacts/99999999999", undefined],
    // JavaScript's Number() reads all of these as the id; the API does not.
    ...[`0x${ids.operator.toString(16)}`, `${ids.operator}e0`, `${ids.operator}.0`, `+${ids.operator}`,
      `%20${ids.operator}`, `0${ids.operator}`].map((id): [string, Method, string, undefined] =>
      [`an id in the path written as ${id}`, "GET", `/operators/${id}`, undefined]),
    ["a hexadecimal id in a filter", "GET", `/contacts?source_id=0x${ids.source.toString(16)}`, undefined],
    ["limit with a space", "GET", "/contacts?limit=%2010", undefined],
    ["a body that is not JSON", "POST", "/contacts", "{\"external_id\": "],
    ["a JSON array instead of an object", "POST", "/operators", "[]"],
    ["JSON null", "POST", "/sources", "null"],
    ["an empty body", "POST", "/contacts", ""]
  ]
  return rows
}

forEachDatabase((db) => layer(TestApp(db))(`bad input on ${db.name}`, (it) => {
  it.effect("is a 400 with _tag and message, never a 5xx, and writes nothing", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const operator = yield* client.operators.create({ payload: { name: unique("Ops") } })
      const source = yield* client.sources.create({ payload: { name: unique("Bot") } })
      yield* client.sources.upsertWeights({
        path: { id: source.id },
        payload: { weights: [{ operator_id: operator.id, weight: 5 }] }
      })
      const contact = yield* client.contacts.register({ headers: {}, payload: { external_id: unique("lead"), source_id: source.id } })
      const ids = { operator: operator.id, source: source.id, contact: contact.id }

      const before = yield* countRows
      const operatorBefore = yield* client.operators.get({ path: { id: operator.id } })
      const seen: Array<string> = []
      for (const [label, method, path, body] of badRequests(ids)) {
        const response = yield* sendRaw(method, path, body)
        seen.push(`${label}: ${response.status}`)
        expect(response.status, `${label} (${response.text})`).toBe(400)
        expect(response.body, label).toMatchObject({ _tag: expect.any(String), message: expect.any(String) })
      }
      expect(yield* countRows).toEqual(before)
      // The stored rows themselves are unchanged too, not just their number.
      expect(yield* client.operators.get({ path: { id: operator.id } })).toEqual(operatorBefore)
      const weights = yield* client.sources.weights({ path: { id: source.id } })
      expect(weights.map((w) => [w.operator_id, w.weight])).toEqual([[operator.id, 5]])
      expect(yield* client.contacts.get({ path: { id: contact.id } })).toMatchObject({ is_active: true })
      expect(seen.length).toBeGreaterThan(30)
    }))

  it.effect("an error quotes a refused value only in part: a large wrong body gets a short answer", () =>
    Effect.gen(function* () {
      for (const body of [
        { name: Array.from({ length: 100_000 }, (_, i) => i) },
        { name: "fine", max_load: "9".repeat(500_000) }
      ]) {
        const response = yield* sendRaw("POST", "/operators", JSON.stringify(body))
        expect(response.status).toBe(400)
        expect(response.body).toMatchObject({ _tag: "HttpApiDecodeError", message: expect.stringContaining("(cut short)") })
        expect(response.text.length).toBeLessThan(5_000)
        // Cut lines keep their start, where the reason is: "Expected string, actual …".
        expect(response.text).toContain("Expected")
        expect(response.text).not.toMatch(/\\ud83d|\\ud800/i)
      }
      // An emoji cut in half would be a lone surrogate: the cut steps back instead.
      // With and without one character before them, one of the two texts is cut mid-pair.
      for (const name of ["😀".repeat(2_000), `x${"😀".repeat(2_000)}`]) {
        const emoji = yield* sendRaw("POST", "/operators", JSON.stringify({ name: [name] }))
        expect(emoji.status).toBe(400)
        expect(emoji.text).not.toMatch(/\\ud83d/i)
        const { issues, message } = emoji.body as { message: string; issues: ReadonlyArray<{ message: string }> }
        for (const text of [message, ...issues.map((issue) => issue.message)]) expect(text).not.toMatch(/\p{Surrogate}/u)
      }
    }))

  it.effect("a refused query parameter's answer ends with the reason, uncut", () =>
    Effect.gen(function* () {
      for (const [query, reason] of [
        ["limit=0", "limit must be an integer from 1 to 500"],
        ["source_id=abc", "\"abc\" is not a whole number in decimal digits"],
        ["operator_id=0", "between"]
      ] as const) {
        const response = yield* sendRaw("GET", `/contacts?${query}`)
        expect(response.status, query).toBe(400)
        expect(response.text, query).not.toContain("cut short")
        expect((response.body as { message: string }).message, query).toContain(reason)
      }
    }))

  it.effect("lengths count characters, not UTF-16 units: 200 emoji are a valid name and stored as sent", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const prefix = unique("op")
      const name = prefix + "😀".repeat(200 - prefix.length)
      expect([...name]).toHaveLength(200)
      const created = yield* client.operators.create({ payload: { name } })
      expect((yield* client.operators.get({ path: { id: created.id } })).name).toBe(name)
      const external_id = unique("id") + "💬".repeat(240)
      const source = yield* client.sources.create({ payload: { name: unique("Chat"), description: "📞".repeat(2_000) } })
      const registered = yield* client.contacts.register({
        headers: {},
        payload: { external_id, source_id: source.id, message: "😀".repeat(10_000) }
      })
      expect(registered.message).toBe("😀".repeat(10_000))
      const leads = yield* client.leads.list({ urlParams: { external_id } })
      expect(leads.items.map((lead) => lead.external_id)).toEqual([external_id])
    }))
}))
