import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { bundle } from "../../bundle.js"
import { Contact } from "../../src/domain/Contact.js"
import { temporaryFile } from "../support/Databases.js"
import { oneSource, request, startReplica } from "../support/Replica.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const read = (file: string) => readFileSync(`${root}/${file}`, "utf8")

/** What `npm start` runs after building: `node <flags> dist/mini-crm.js`. */
const startCommand = () => {
  const start = (JSON.parse(read("package.json")) as { scripts: { start: string } }).scripts.start
  const command = start.split("&&").map((part) => part.trim()).find((part) => part.startsWith("node "))
  return (command ?? "").split(/\s+/).slice(1)
}

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

describe("the bundle, run as npm start and the Docker image run it", () => {
  it("is started by both with the same node flags", () => {
    const [script, ...flags] = startCommand().reverse()
    expect(script).toBe("dist/mini-crm.js")
    expect(dockerCommand()).toEqual(["node", ...flags.reverse(), "dist/mini-crm.js"])
  })

  it.live("registers on its registrar thread and serves Swagger UI from its chunk on the first request of /docs", () =>
    Effect.gen(function* () {
      const dir = yield* bundled
      // The Swagger UI script is in the chunk that only /docs imports, not in what loads at start.
      const holding = readdirSync(`${root}/${dir}/chunks`).filter((file) => read(`${dir}/chunks/${file}`).includes("SwaggerUIBundle"))
      expect(holding).toHaveLength(1)
      expect(holding[0]).toMatch(/^Docs-/)
      expect(read(`${dir}/mini-crm.js`)).toContain(`import("./chunks/${holding[0]}")`)
      // Each thread holds what it loads in its heap: the HTTP client (undici) that
      // @effect/platform-node's index brings along is never used, so neither loads it.
      for (const file of ["mini-crm.js", "registrar.js", ...readdirSync(`${root}/${dir}/chunks`).map((chunk) => `chunks/${chunk}`)]) {
        expect(read(`${dir}/${file}`), file).not.toContain("undici")
      }
      const flags = startCommand().slice(0, -1)
      const replica = yield* startReplica(
        { DATABASE_URL: `sqlite:${yield* temporaryFile}`, LOG_LEVEL: "info" },
        [...flags, `${dir}/mini-crm.js`]
      )
      expect(replica.output()).toContain("registrations run on a thread of their own")
      const source = yield* oneSource(replica.url)
      const registered = yield* Effect.promise(() => request(`${replica.url}/contacts`, "POST", { external_id: "from-the-bundle", source_id: source }))
      expect(registered.status).toBe(201)
      const contact = Schema.decodeUnknownSync(Contact)(registered.body)
      expect(contact).toMatchObject({ source_id: source, is_active: true })
      expect(contact.operator_id).not.toBeNull()
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
})
