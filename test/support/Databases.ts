import { it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Config, ConfigProvider, Effect, Layer, Redacted, type Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const settings = Effect.runSync(
  Effect.all({
    ci: Config.boolean("CI").pipe(Config.withDefault(false)),
    adminUrl: Config.string("TEST_POSTGRES_URL").pipe(Config.withDefault("postgres://postgres@127.0.0.1:5432/test"))
  })
)

const admin = PgClient.layer({ url: Redacted.make(settings.adminUrl), maxConnections: 1 })

const reachable = await Effect.runPromise(
  SqlClient.SqlClient.pipe(
    Effect.flatMap((sql) => sql`SELECT 1`),
    Effect.provide(admin),
    Effect.timeout("3 seconds"),
    Effect.as(true),
    Effect.catchAllCause(() => Effect.succeed(false))
  )
)

if (!reachable && settings.ci) {
  throw new Error(`CI=true but PostgreSQL is unreachable at ${settings.adminUrl}: its tests must run in CI`)
}

export interface TestDatabase {
  readonly name: "sqlite" | "postgres"
  /** A DATABASE_URL for a new, empty database that lives as long as the scope. */
  readonly url: Effect.Effect<string, never, Scope.Scope>
  /** Registrations run on the registrar thread, as in production; otherwise everything runs on one thread. */
  readonly registrar?: boolean
}

export const sqlite: TestDatabase = { name: "sqlite", url: Effect.succeed("sqlite::memory:") }

/** The path of a database file in a new temporary directory, removed with the scope. */
export const temporaryFile = Effect.map(
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "mini-crm-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ),
  (dir) => join(dir, "crm.db")
)

/** A SQLite file in a new temporary directory, removed with the scope: a second connection (or thread) can open it. */
export const sqliteFile: TestDatabase = {
  name: "sqlite",
  url: Effect.map(temporaryFile, (file) => `sqlite:${file}`)
}

/** The same database with registrations on the registrar thread. */
export const onRegistrar = (db: TestDatabase): TestDatabase => ({ ...db, registrar: true })

/** How a suite names its run: the database, and the thread its registrations run on. */
export const labelOf = (db: TestDatabase) => db.registrar === true ? `${db.name}, registrations on their own thread` : db.name

let created = 0
export const postgres: TestDatabase = {
  name: "postgres",
  url: Effect.gen(function* () {
    const name = `mini_crm_test_${process.pid}_${++created}`
    const run = (statement: string) =>
      Effect.provide(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)), admin)
    yield* Effect.acquireRelease(
      Effect.orDie(run(`CREATE DATABASE ${name}`)),
      () => Effect.ignore(run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    )
    const url = new URL(settings.adminUrl)
    url.pathname = `/${name}`
    return url.toString()
  })
}

export const postgresReachable = reachable

/**
 * Makes the service's PostgreSQL database unreachable: from another database (a
 * database cannot refuse connections to itself while in use), refuses new sessions,
 * then ends the open ones. Run where the service's SqlClient is provided.
 */
export const refuseConnections = Effect.gen(function* () {
  const app = yield* SqlClient.SqlClient
  const [row] = yield* app<{ name: string }>`SELECT current_database() AS name`
  const name = row!.name
  yield* Effect.gen(function* () {
    const admin = yield* SqlClient.SqlClient
    yield* admin`ALTER DATABASE ${admin(name)} ALLOW_CONNECTIONS false`
    yield* admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`
  }).pipe(Effect.provide(admin))
})

/** Sets the configuration for a fresh database of the given kind, plus any other variables. */
export const configFor = (db: TestDatabase, env: Record<string, string> = {}) =>
  Layer.unwrapScoped(
    Effect.map(db.url, (url) =>
      Layer.setConfigProvider(ConfigProvider.fromJson({ LOG_LEVEL: "off", ...env, DATABASE_URL: url })))
  )

/**
 * Runs a suite once per database; with `registrar`, once more per database with
 * registrations on the registrar thread (SQLite in a file, which a second connection
 * can open). Without a reachable PostgreSQL (outside CI) the PostgreSQL runs are
 * registered as skipped and say so, instead of vanishing.
 */
export const forEachDatabase = (suite: (db: TestDatabase) => void, options: { readonly registrar?: boolean } = {}) => {
  suite(sqlite)
  if (options.registrar === true) suite(onRegistrar(sqliteFile))
  if (reachable) {
    suite(postgres)
    if (options.registrar === true) suite(onRegistrar(postgres))
    return
  }
  console.warn(`PostgreSQL unreachable at ${settings.adminUrl}: the PostgreSQL tests are skipped`)
  it.skip("on PostgreSQL (skipped: server unreachable)", () => {})
}
