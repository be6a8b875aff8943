import type { HttpClient } from "@effect/platform"
import { expect, layer } from "@effect/vitest"
import { Clock, Effect, Schema, TestClock } from "effect"
import { Contact, ContactPage } from "../../src/domain/Contact.js"
import { ContactId, type OperatorId, SourceId } from "../../src/domain/Ids.js"
import { forEachDatabase, labelOf } from "../support/Databases.js"
import { newOperator, sourceWith } from "../support/Fixtures.js"
import { Client, countRows, sendRaw, TestApp, unique } from "../support/TestApp.js"

const operator = newOperator

const source = (weights: ReadonlyArray<readonly [OperatorId, number]> = []) =>
  Effect.map(sourceWith(weights), (created) => created.id)

const register = (source_id: SourceId, external_id: string = unique("lead")) =>
  Effect.flatMap(Client, (client) => client.contacts.register({ headers: {}, payload: { external_id, source_id } }))

const close = (id: ContactId) =>
  Effect.flatMap(Client, (client) => client.contacts.update({ path: { id }, payload: { is_active: false } }))

const loadOf = (id: OperatorId) =>
  Effect.flatMap(Client, (client) => Effect.map(client.operators.get({ path: { id } }), (o) => o.load))

/** One page over real HTTP, following the opaque cursor exactly as a client receives it. */
type WirePage = Omit<typeof ContactPage.Type, "next_cursor"> & { readonly next_cursor: string | null }

const page = (query: string): Effect.Effect<WirePage, never, HttpClient.HttpClient> =>
  Effect.map(sendRaw("GET", `/contacts?${query}`), (response) => {
    expect(response.status, response.text).toBe(200)
    // The cursor stays as the wire string, exactly what an outside client receives.
    const wire = Schema.decodeUnknownSync(Schema.Struct({ next_cursor: Schema.NullOr(Schema.String) }))(response.body)
    return { ...Schema.decodeUnknownSync(ContactPage)(response.body), next_cursor: wire.next_cursor }
  })

const idsOf = (query: string) => Effect.map(page(`${query}&limit=500`), (p) => p.items.map((c) => c.id))

forEachDatabase((db) => layer(TestApp(db))(`contacts on ${labelOf(db)}`, (it) => {
  it.effect("registers a contact (201) assigned to the only available operator, whose load goes up", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const only = yield* operator(5)
      const bot = yield* source([[only, 3]])
      const external_id = unique("anna@example.com")
      const response = yield* sendRaw("POST", "/contacts", JSON.stringify({ external_id, source_id: bot, message: "Hello" }))
      expect(response.status).toBe(201)
      const contact = Schema.decodeUnknownSync(Contact)(response.body)
      expect(contact).toMatchObject({ source_id: bot, operator_id: only, is_active: true, message: "Hello", closed_at: null })
      expect(Date.parse(contact.created_at)).not.toBeNaN()
      expect(yield* client.contacts.get({ path: { id: contact.id } })).toEqual(contact)
      expect(yield* loadOf(only)).toBe(1)
      const lead = yield* client.leads.get({ path: { id: contact.lead_id } })
      expect(lead).toMatchObject({ external_id, contacts_count: 1 })
    }))

  it.effect("registers a contact with operator_id null when nobody is available, message null when absent", () =>
    Effect.gen(function* () {
      const nobody = yield* source()
      const contact = yield* register(nobody)
      expect(contact).toMatchObject({ source_id: nobody, operator_id: null, is_active: true, message: null, closed_at: null })
    }))

  it.effect("finds the lead by trimmed, exactly compared external_id: a repeat reuses it, another case does not", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const bot = yield* source()
      const form = yield* source()
      const external_id = unique("Boris@Example.com")
      const first = yield* register(bot, external_id)
      // The typed client only sends trimmed ids, so the padded one goes over raw HTTP.
      const padded = yield* sendRaw("POST", "/contacts", JSON.stringify({ external_id: `  ${external_id}\t`, source_id: form }))
      expect(padded.status).toBe(201)
      const again = Schema.decodeUnknownSync(Contact)(padded.body)
      expect(again.lead_id).toBe(first.lead_id)
      expect(again.id).not.toBe(first.id)
      const otherCase = yield* register(bot, external_id.toLowerCase())
      expect(otherCase.lead_id).not.toBe(first.lead_id)
      const lead = yield* client.leads.get({ path: { id: first.lead_id } })
      expect(lead).toMatchObject({ external_id, contacts_count: 2 })
      expect(lead.contacts.map((c) => c.id)).toEqual([first.id, again.id])
    }))

  it.effect("an unknown source_id is a 404 SourceNotFound and creates neither lead nor contact", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const before = yield* countRows
      const external_id = unique("ghost")
      const error = yield* register(SourceId.make(999_999_999), external_id).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "SourceNotFound", source_id: 999_999_999, message: expect.any(String) })
      expect(yield* countRows).toEqual(before)
      expect((yield* client.leads.list({ urlParams: { external_id } })).items).toEqual([])
    }))

  it.effect("an operator at max_load gets nothing more: the next contact goes to another operator, or to nobody", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const small = yield* operator(1)
      const large = yield* operator(100)
      const bot = yield* source([[small, 1_000]])
      expect((yield* register(bot)).operator_id).toBe(small)
      expect((yield* register(bot)).operator_id).toBeNull()
      yield* client.sources.upsertWeights({ path: { id: bot }, payload: { weights: [{ operator_id: large, weight: 1 }] } })
      // `small` is full, so whatever its weight, every draw lands on `large`.
      for (let i = 0; i < 5; i++) expect((yield* register(bot)).operator_id).toBe(large)
      expect(yield* loadOf(small)).toBe(1)
      expect(yield* loadOf(large)).toBe(5)
    }))

  it.effect("load counts active contacts over all sources", () =>
    Effect.gen(function* () {
      const shared = yield* operator(1)
      const bot = yield* source([[shared, 1]])
      const form = yield* source([[shared, 1]])
      expect((yield* register(bot)).operator_id).toBe(shared)
      expect((yield* register(form)).operator_id).toBeNull()
    }))

  it.effect("closing a contact frees one unit of load for the next contact", () =>
    Effect.gen(function* () {
      const one = yield* operator(1)
      const bot = yield* source([[one, 1]])
      const first = yield* register(bot)
      expect((yield* register(bot)).operator_id).toBeNull()
      yield* close(first.id)
      expect(yield* loadOf(one)).toBe(0)
      expect((yield* register(bot)).operator_id).toBe(one)
      expect(yield* loadOf(one)).toBe(1)
    }))

  it.effect("an inactive operator never gets contacts; deactivating keeps the contacts already held", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const resting = yield* operator(100, false)
      const bot = yield* source([[resting, 1_000_000]])
      for (let i = 0; i < 5; i++) expect((yield* register(bot)).operator_id).toBeNull()

      yield* client.operators.update({ path: { id: resting }, payload: { is_active: true } })
      const held = yield* register(bot)
      expect(held.operator_id).toBe(resting)
      yield* client.operators.update({ path: { id: resting }, payload: { is_active: false } })
      expect((yield* register(bot)).operator_id).toBeNull()
      expect(yield* client.contacts.get({ path: { id: held.id } })).toMatchObject({ operator_id: resting, is_active: true })
      expect(yield* loadOf(resting)).toBe(1)
    }))

  it.effect("max_load 0 means never", () =>
    Effect.gen(function* () {
      const never = yield* operator(0)
      const bot = yield* source([[never, 1_000_000]])
      for (let i = 0; i < 5; i++) expect((yield* register(bot)).operator_id).toBeNull()
      expect(yield* loadOf(never)).toBe(0)
    }))

  it.effect("lowering max_load below the load keeps the contacts and stops assignments until the load drops", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const busy = yield* operator(3)
      const bot = yield* source([[busy, 1]])
      const [a, b] = [yield* register(bot), yield* register(bot)]
      expect([a.operator_id, b.operator_id]).toEqual([busy, busy])
      const lowered = yield* client.operators.update({ path: { id: busy }, payload: { max_load: 1 } })
      expect(lowered).toMatchObject({ max_load: 1, load: 2 })
      expect(yield* client.contacts.get({ path: { id: a.id } })).toMatchObject({ operator_id: busy, is_active: true })
      expect((yield* register(bot)).operator_id).toBeNull()
      yield* close(a.id)
      expect((yield* register(bot)).operator_id).toBeNull()
      yield* close(b.id)
      expect((yield* register(bot)).operator_id).toBe(busy)
    }))

  it.effect("an operator whose weight was removed gets no more contacts from that source", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const dropped = yield* operator(100)
      const bot = yield* source([[dropped, 5]])
      expect((yield* register(bot)).operator_id).toBe(dropped)
      yield* client.sources.upsertWeights({ path: { id: bot }, payload: { weights: [{ operator_id: dropped, weight: 0 }] } })
      expect((yield* register(bot)).operator_id).toBeNull()
    }))

  it.effect("filters by source_id, operator_id, lead_id, is_active and assigned, combined with AND", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const op = yield* operator(2)
      const bot = yield* source([[op, 1]])
      const form = yield* source()
      const [anna, boris] = [unique("anna"), unique("boris")]
      const c1 = yield* register(bot, anna) // op
      const c2 = yield* register(bot, boris) // op, closed below
      const c3 = yield* register(bot, anna) // nobody: op is full
      const c4 = yield* register(form, anna) // nobody: no weights
      yield* close(c2.id)
      expect([c1, c2, c3, c4].map((c) => c.operator_id)).toEqual([op, op, null, null])
      const lead = c1.lead_id

      expect(yield* idsOf(`source_id=${bot}`)).toEqual([c1.id, c2.id, c3.id])
      expect(yield* idsOf(`source_id=${bot}&assigned=true`)).toEqual([c1.id, c2.id])
      expect(yield* idsOf(`source_id=${bot}&assigned=false`)).toEqual([c3.id])
      expect(yield* idsOf(`source_id=${bot}&is_active=false`)).toEqual([c2.id])
      expect(yield* idsOf(`operator_id=${op}`)).toEqual([c1.id, c2.id])
      expect(yield* idsOf(`operator_id=${op}&is_active=true`)).toEqual([c1.id])
      expect(yield* idsOf(`operator_id=${op}&source_id=${form}`)).toEqual([])
      expect(yield* idsOf(`operator_id=${op}&assigned=false`)).toEqual([])
      expect(yield* idsOf(`lead_id=${lead}`)).toEqual([c1.id, c3.id, c4.id])
      expect(yield* idsOf(`lead_id=${lead}&source_id=${form}`)).toEqual([c4.id])
      expect(yield* idsOf(`lead_id=${lead}&assigned=true`)).toEqual([c1.id])
      expect(yield* idsOf(`lead_id=${lead}&is_active=true&assigned=false&source_id=${bot}`)).toEqual([c3.id])
      expect(yield* idsOf(`lead_id=${c2.lead_id}&is_active=true`)).toEqual([])

      // The typed client sends the same filters.
      const typed = yield* client.contacts.list({ urlParams: { lead_id: lead, is_active: true, assigned: false } })
      expect(typed.items.map((c) => c.id)).toEqual([c3.id, c4.id])
      expect(typed.next_cursor).toBeNull()
      // Every listed contact is the stored one, field for field.
      expect(typed.items[0]).toEqual(yield* client.contacts.get({ path: { id: c3.id } }))
    }))

  it.effect("pages by limit and cursor: every contact once, in id order, next_cursor null on the last page", () =>
    Effect.gen(function* () {
      const bot = yield* source()
      const registered: Array<number> = []
      for (let i = 0; i < 7; i++) registered.push((yield* register(bot)).id)

      const seen: Array<number> = []
      const cursors: Array<string | null> = []
      let cursor: string | null = ""
      while (cursor !== null) {
        const current: WirePage = yield* page(`source_id=${bot}&limit=3${cursor ? `&cursor=${cursor}` : ""}`)
        expect(current.items.length).toBeLessThanOrEqual(3)
        seen.push(...current.items.map((c) => c.id))
        cursors.push(current.next_cursor)
        // A contact registered while paging shows up on a later page, never twice.
        if (cursors.length === 1) registered.push((yield* register(bot)).id)
        cursor = current.next_cursor
      }
      expect(seen).toEqual(registered)
      expect(cursors.map((c) => c === null)).toEqual([false, false, true])
      // A page that ends exactly at the last contact is the last page.
      const exact = yield* page(`source_id=${bot}&limit=8`)
      expect(exact.items).toHaveLength(8)
      expect(exact.next_cursor).toBeNull()
    }))

  it.effect("pages 50 contacts at a time when no limit is given", () =>
    Effect.gen(function* () {
      const bot = yield* source()
      for (let i = 0; i < 51; i++) yield* register(bot)
      const first = yield* page(`source_id=${bot}`)
      expect(first.items).toHaveLength(50)
      expect(first.next_cursor).not.toBeNull()
      const rest = yield* page(`source_id=${bot}&cursor=${first.next_cursor}`)
      expect(rest.items).toHaveLength(1)
      expect(rest.next_cursor).toBeNull()
    }))

  it.effect("a cursor this service did not issue is a 400", () =>
    Effect.gen(function* () {
      const forged = [
        Buffer.from("id:-1").toString("base64url"),
        Buffer.from("id:1.5").toString("base64url"),
        Buffer.from("offset:10").toString("base64url"),
        // Number() would read these as 0 and 1.
        Buffer.from("id:").toString("base64url"),
        Buffer.from("id:0x1").toString("base64url"),
        Buffer.from("id: 1").toString("base64url"),
        // Node's decoder reads these as "id:1" (padding, stray low bits, a trailing junk character).
        "aWQ6MQ==",
        "aWQ6MR",
        "aWQ6MQ!",
        "%%%"
      ]
      for (const cursor of forged) {
        const response = yield* sendRaw("GET", `/contacts?cursor=${encodeURIComponent(cursor)}`)
        expect(response.status, cursor).toBe(400)
        expect(response.body).toMatchObject({ _tag: "HttpApiDecodeError", message: expect.any(String) })
      }
    }))

  it.effect("gets a contact by id; an unknown id is a 404 ContactNotFound", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const contact = yield* register(yield* source())
      expect(yield* client.contacts.get({ path: { id: contact.id } })).toEqual(contact)
      const missing = ContactId.make(2_000_000_000)
      const error = yield* client.contacts.get({ path: { id: missing } }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ContactNotFound", contact_id: missing, message: expect.any(String) })
      const raw = yield* sendRaw("GET", `/contacts/${missing}`)
      expect(raw.status).toBe(404)
      expect(raw.body).toMatchObject({ _tag: "ContactNotFound", message: expect.any(String) })
    }))

  it.effect("closing sets closed_at and frees the load once; closing again is a 200 that changes nothing", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const op = yield* operator(10)
      const bot = yield* source([[op, 1]])
      const contact = yield* register(bot)
      yield* register(bot)
      expect(yield* loadOf(op)).toBe(2)

      yield* TestClock.adjust("1 minute")
      const closed = yield* close(contact.id)
      expect(closed).toMatchObject({ id: contact.id, is_active: false, operator_id: op, created_at: contact.created_at })
      expect(closed.closed_at).not.toBeNull()
      // The moment of the close (registrations on their own thread keep the real clock, not the test's).
      expect(Date.parse(closed.closed_at!)).toBe(yield* Clock.currentTimeMillis)
      expect(yield* loadOf(op)).toBe(1)

      yield* TestClock.adjust("1 minute")
      const again = yield* sendRaw("PATCH", `/contacts/${contact.id}`, JSON.stringify({ is_active: false }))
      expect(again.status).toBe(200)
      expect(Schema.decodeUnknownSync(Contact)(again.body)).toEqual(closed)
      expect(yield* loadOf(op)).toBe(1)
      expect(yield* client.contacts.get({ path: { id: contact.id } })).toEqual(closed)
    }))

  it.effect("closing an unassigned contact works and touches no operator", () =>
    Effect.gen(function* () {
      const contact = yield* register(yield* source())
      const closed = yield* close(contact.id)
      expect(closed).toMatchObject({ is_active: false, operator_id: null })
      expect(closed.closed_at).not.toBeNull()
    }))

  it.effect("reopening a closed contact is a 409 ContactClosed that changes nothing; is_active true on an open one is a no-op", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const op = yield* operator(10)
      const bot = yield* source([[op, 1]])
      const open = yield* register(bot)
      expect(yield* client.contacts.update({ path: { id: open.id }, payload: { is_active: true } })).toEqual(open)
      expect(yield* loadOf(op)).toBe(1)

      const closed = yield* close(open.id)
      const error = yield* client.contacts.update({ path: { id: open.id }, payload: { is_active: true } }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ContactClosed", contact_id: open.id, message: expect.any(String) })
      const raw = yield* sendRaw("PATCH", `/contacts/${open.id}`, JSON.stringify({ is_active: true }))
      expect(raw.status).toBe(409)
      expect(raw.body).toMatchObject({ _tag: "ContactClosed", message: expect.any(String) })
      expect(yield* client.contacts.get({ path: { id: open.id } })).toEqual(closed)
      expect(yield* loadOf(op)).toBe(0)
    }))

  it.effect("patching an unknown contact is a 404 ContactNotFound, whether closing or reopening", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const missing = ContactId.make(2_000_000_000)
      const before = yield* countRows
      for (const is_active of [false, true]) {
        const error = yield* client.contacts.update({ path: { id: missing }, payload: { is_active } }).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "ContactNotFound", contact_id: missing })
      }
      expect(yield* countRows).toEqual(before)
    }))
}), { registrar: true })
