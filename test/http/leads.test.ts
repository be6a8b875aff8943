import type { HttpClient } from "@effect/platform"
import { expect, layer } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import { LeadId, type SourceId } from "../../src/domain/Ids.js"
import { LeadPage } from "../../src/domain/Lead.js"
import { forEachDatabase } from "../support/Databases.js"
import { Client, sendRaw, TestApp, unique } from "../support/TestApp.js"

const newSource = Effect.flatMap(Client, (client) =>
  Effect.map(client.sources.create({ payload: { name: unique("source") } }), (s) => s.id))

const register = (source_id: SourceId, external_id: string) =>
  Effect.flatMap(Client, (client) => client.contacts.register({ headers: {}, payload: { external_id, source_id } }))

/** One page over real HTTP, following the opaque cursor exactly as a client receives it. */
type WirePage = Omit<typeof LeadPage.Type, "next_cursor"> & { readonly next_cursor: string | null }

const page = (query: string): Effect.Effect<WirePage, never, HttpClient.HttpClient> =>
  Effect.map(sendRaw("GET", `/leads?${query}`), (response) => {
    expect(response.status, response.text).toBe(200)
    // The cursor stays as the wire string, exactly what an outside client receives.
    const wire = Schema.decodeUnknownSync(Schema.Struct({ next_cursor: Schema.NullOr(Schema.String) }))(response.body)
    return { ...Schema.decodeUnknownSync(LeadPage)(response.body), next_cursor: wire.next_cursor }
  })

/** Every page of the whole list, `limit` at a time. */
const allPages = (limit: number) =>
  Effect.gen(function* () {
    const pages: Array<WirePage> = []
    let cursor: string | null = ""
    while (cursor !== null) {
      const current: WirePage = yield* page(`limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`)
      pages.push(current)
      cursor = current.next_cursor
    }
    return pages
  })

forEachDatabase((db) => layer(TestApp(db))(`leads on ${db.name}`, (it) => {
  it.effect("finds a lead by exact external_id, trimming the query, with its contacts_count", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const source = yield* newSource
      const external_id = unique("Anna@Example.com")
      const first = yield* register(source, external_id)
      yield* register(source, external_id)
      yield* register(source, unique("someone-else"))

      const found = yield* client.leads.list({ urlParams: { external_id } })
      expect(found.items).toHaveLength(1)
      expect(found.items[0]).toMatchObject({ id: first.lead_id, external_id, contacts_count: 2 })
      expect(found.next_cursor).toBeNull()
      const padded = yield* page(`external_id=${encodeURIComponent(` ${external_id} `)}`)
      expect(padded.items.map((l) => l.id)).toEqual([first.lead_id])
      // Compared exactly: another case is another lead (here: none).
      expect((yield* client.leads.list({ urlParams: { external_id: external_id.toLowerCase() } })).items).toEqual([])
      expect((yield* client.leads.list({ urlParams: { external_id: unique("nobody") } }))).toEqual({ items: [], next_cursor: null })
    }))

  it.effect("contacts_count counts every contact of the lead, over all sources, closed ones included", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const [bot, form] = [yield* newSource, yield* newSource]
      const external_id = unique("+7 900 000-00-00")
      const first = yield* register(bot, external_id)
      yield* register(form, external_id)
      yield* client.contacts.update({ path: { id: first.id }, payload: { is_active: false } })
      yield* register(bot, external_id)
      const lead = yield* client.leads.get({ path: { id: first.lead_id } })
      expect(lead.contacts_count).toBe(3)
      expect((yield* client.leads.list({ urlParams: { external_id } })).items[0]?.contacts_count).toBe(3)
    }))

  it.effect("pages by limit and cursor: every lead once, in id order, next_cursor null only on the last page", () =>
    Effect.gen(function* () {
      const source = yield* newSource
      const mine: Array<number> = []
      for (let i = 0; i < 5; i++) mine.push((yield* register(source, unique("paged"))).lead_id)

      const pages = yield* allPages(2)
      const ids = pages.flatMap((p) => p.items.map((l) => l.id))
      expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b))
      expect(ids).toEqual(expect.arrayContaining(mine))
      for (const p of pages.slice(0, -1)) {
        expect(p.items).toHaveLength(2)
        expect(p.next_cursor).not.toBeNull()
      }
      expect(pages[pages.length - 1]!.next_cursor).toBeNull()
      // The same list in one page is the same leads.
      expect((yield* page("limit=500")).items.map((l) => l.id)).toEqual(ids)
    }))

  it.effect("pages 50 leads at a time when no limit is given", () =>
    Effect.gen(function* () {
      const source = yield* newSource
      for (let i = 0; i < 51; i++) yield* register(source, unique("many"))
      const first = yield* page("")
      expect(first.items).toHaveLength(50)
      expect(first.next_cursor).not.toBeNull()
      const next = yield* page(`limit=500&cursor=${first.next_cursor}`)
      expect(next.items[0]!.id).toBeGreaterThan(first.items[49]!.id)
    }))

  it.effect("shows a lead with all its contacts, oldest first, as GET /contacts/{id} shows them", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const [bot, form] = [yield* newSource, yield* newSource]
      const external_id = unique("lead")
      const first = yield* register(bot, external_id)
      yield* TestClock.adjust("1 minute")
      const second = yield* register(form, external_id)
      yield* register(bot, unique("other-lead"))
      yield* client.contacts.update({ path: { id: first.id }, payload: { is_active: false } })

      const lead = yield* client.leads.get({ path: { id: first.lead_id } })
      expect(lead).toMatchObject({ id: first.lead_id, external_id, contacts_count: 2, created_at: first.created_at })
      expect(lead.contacts).toEqual([
        yield* client.contacts.get({ path: { id: first.id } }),
        yield* client.contacts.get({ path: { id: second.id } })
      ])
      expect(lead.contacts.map((c) => c.is_active)).toEqual([false, true])
    }))

  it.effect("an unknown lead id is a 404 LeadNotFound", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const missing = LeadId.make(2_000_000_000)
      const error = yield* client.leads.get({ path: { id: missing } }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "LeadNotFound", lead_id: missing, message: expect.any(String) })
      const raw = yield* sendRaw("GET", `/leads/${missing}`)
      expect(raw.status).toBe(404)
      expect(raw.body).toMatchObject({ _tag: "LeadNotFound", message: expect.any(String) })
    }))

  it.effect("the typed client hands next_cursor straight back to get the next page", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const source = yield* newSource
      for (let i = 0; i < 3; i++) yield* register(source, unique("paged"))
      const seen: Array<number> = []
      let page = yield* client.leads.list({ urlParams: { limit: 2 } })
      seen.push(...page.items.map((l) => l.id))
      while (page.next_cursor !== null) {
        page = yield* client.leads.list({ urlParams: { limit: 2, cursor: page.next_cursor } })
        seen.push(...page.items.map((l) => l.id))
      }
      expect(seen.length).toBeGreaterThanOrEqual(3)
      expect(seen).toEqual([...new Set(seen)].sort((a, b) => a - b))
    }))

  it.effect("an empty external_id filter is a 400, like any other empty parameter", () =>
    Effect.gen(function* () {
      const response = yield* sendRaw("GET", "/leads?external_id=%20")
      expect(response.status).toBe(400)
      expect(response.body).toMatchObject({ _tag: expect.any(String), message: expect.any(String) })
    }))
}))
