import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { bundle, startCommand, startFlags } from "../../bundle.js"
import { Contact } from "../../src/domain/Contact.js"
import { postgres, postgresReachable, temporaryFile } from "../support/Databases.js"
import { oneSource, request, startReplica } from "../support/Replica.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const read = (file: string) => readFileSync(`${root}/${file}`, "utf8")

/** The Docker image's CMD, as an argument list. */
const dockerCommand = () => {
  const cmd = read("Dockerfile").split("\n").find((line) => line.startsWith("CMD "))
  return JSON.parse((cmd ?? "CMD []").slice("CMD ".length)) as Array<string>
}

/**
 * A bundle of its own inside the project, removed afterwards: the bundle loads the
 * native SQLite driver from node_modules, which a directory elsewhere cannot reach.
 */
const bundled = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = `dist/test-bundle-${process.pid}`
    await bundle("mini-crm", "src/main.ts", `${root}/${dir}`)
    await bundle("registrar", "src/registrar.ts", `${root}/${dir}`)
    return dir
  }),
  (dir) => Effect.sync(() => rmSync(`${root}/${dir}`, { recursive: true, force: true }))
)

/** The files of a bundle that hold `text`: the entry points and every chunk. */
const holding = (dir: string, text: string) =>
  ["mini-crm.js", "registrar.js", ...readdirSync(`${root}/${dir}/chunks`).map((chunk) => `chunks/${chunk}`)]
    .filter((file) => read(`${dir}/${file}`).includes(text))

/** Registers one contact on a running bundle, and checks it was given an operator. */
const registersOn = (url: string) =>
  Effect.gen(function* () {
    const source = yield* oneSource(url)
    const registered = yield* Effect.promise(() => request(`${url}/contacts`, "POST", { external_id: "from-the-bundle", source_id: source }))
    expect(registered.status).toBe(201)
    const contact = Schema.decodeUnknownSync(Contact)(registered.body)
    expect(contact).toMatchObject({ source_id: source, is_active: true })
    expect(contact.operator_id).not.toBeNull()
  })

describe("the bundle, run as npm start and the Docker image run it", () => {
  it("is started by both with the same node flags", () => {
    const [script, ...flags] = [...startCommand()].reverse()
    expect(script).toBe("dist/mini-crm.js")
    expect(dockerCommand()).toEqual(["node", ...flags.reverse(), "dist/mini-crm.js"])
  })

  it.live("registers on its registrar thread and serves Swagger UI from its chunk on the first request of /docs", () =>
    Effect.gen(function* () {
      const dir = yield* bundled
      // Each thread holds what it loads in its heap. The Swagger UI script is in the chunk
      // that only /docs imports; the PostgreSQL client (pg reads PGHOST) in a chunk of each
      // thread's own, imported only when configured; the HTTP client (undici) that
      // @effect/platform-node's index brings along is never used, so it is nowhere.
      const swaggerUi = holding(dir, "SwaggerUIBundle")
      expect(swaggerUi).toEqual([expect.stringMatching(/^chunks\/Docs-/)])
      expect(read(`${dir}/mini-crm.js`)).toContain(`import("./${swaggerUi[0]}")`)
      const pg = holding(dir, "PGHOST")
      expect(pg).toEqual([expect.stringMatching(/^chunks\/Postgres-/), expect.stringMatching(/^chunks\/Postgres-/)])
      expect(pg.map((chunk) => ["mini-crm.js", "registrar.js"].filter((entry) => read(`${dir}/${entry}`).includes(`import("./${chunk}")`))).flat().sort())
        .toEqual(["mini-crm.js", "registrar.js"])
      expect(holding(dir, "undici")).toEqual([])
      const flags = startFlags()
      const replica = yield* startReplica(
        { DATABASE_URL: `sqlite:${yield* temporaryFile}`, LOG_LEVEL: "info" },
        [...flags, `${dir}/mini-crm.js`]
      )
      expect(replica.output()).toContain("registrations run on a thread of their own")
      yield* registersOn(replica.url)
      for (const _ of [1, 2]) {
        const docs = yield* Effect.promise(async () => {
          const response = await fetch(`${replica.url}/docs`)
          return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
        })
        expect(docs.status).toBe(200)
        expect(docs.type).toContain("text/html")
        expect(docs.text).toContain("SwaggerUIBundle")
      }
      replica.process.kill("SIGTERM")
      expect(yield* replica.exited).toBe(0)
    }).pipe(Effect.scoped), { timeout: 90_000 })

  it.live.skipIf(!postgresReachable)("loads its PostgreSQL client when configured for PostgreSQL, and registers", () =>
    Effect.gen(function* () {
      const dir = yield* bundled
      const replica = yield* startReplica(
        { DATABASE_URL: yield* postgres.url, LOG_LEVEL: "info" },
        [...startFlags(), `${dir}/mini-crm.js`]
      )
      yield* registersOn(replica.url)
      replica.process.kill("SIGTERM")
      expect(yield* replica.exited).toBe(0)
    }).pipe(Effect.scoped), { timeout: 90_000 })
})
