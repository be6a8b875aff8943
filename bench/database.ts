import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import Database from "better-sqlite3"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

/** One database the service can be pointed at with DATABASE_URL. */
export interface Store {
  readonly kind: "sqlite" | "postgres"
  readonly name: string
  /** DATABASE_URL for the service. */
  readonly url: string
  /** The SQLite file, or the PostgreSQL database name. */
  readonly location: string
}

/**
 * Fresh temporary databases, and copies of them: a seeded (or bulk-loaded)
 * database is made once and every measured run gets its own identical copy.
 */
export interface Backend {
  readonly label: string
  /** Scratch directory for logs (and the SQLite files). */
  readonly dir: string
  readonly create: (name: string) => Promise<Store>
  readonly clone: (from: Store, name: string) => Promise<Store>
  readonly drop: (store: Store) => Promise<void>
  /** Drops whatever is left and removes the scratch directory. */
  readonly close: () => Promise<void>
}

const removeSqlite = (file: string) => {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true })
}

/** A copy of the main file alone is whole only once the WAL is checkpointed into it. */
const checkpoint = (file: string) => {
  if (!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0) return
  const db = new Database(file)
  db.pragma("wal_checkpoint(TRUNCATE)")
  db.close()
}

const sqliteBackend = (dir: string): Backend => {
  const stores = new Set<string>()
  const make = (name: string): Store => {
    const location = join(dir, `${name}.db`)
    removeSqlite(location)
    stores.add(location)
    return { kind: "sqlite", name, url: `sqlite:${location}`, location }
  }
  return {
    label: "sqlite (temporary file, WAL)",
    dir,
    create: async (name) => make(name),
    clone: async (from, name) => {
      checkpoint(from.location)
      const store = make(name)
      copyFileSync(from.location, store.location)
      // Otherwise the copy's dirty pages (150 MB at a million contacts) are flushed by
      // the service's first checkpoint fsync, in the middle of a measured phase.
      const fd = openSync(store.location, "r+")
      fsyncSync(fd)
      closeSync(fd)
      return store
    },
    drop: async (store) => {
      removeSqlite(store.location)
      stores.delete(store.location)
    },
    close: async () => {
      for (const file of stores) removeSqlite(file)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const postgresBackend = (dir: string, adminUrl: string): Backend => {
  const admin = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 1 }))
  const run = (statement: string) =>
    admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)))
  const databases = new Set<string>()
  const base = `mini_crm_bench_${process.pid}`
  const make = (name: string): Store => {
    const location = name === "run" ? base : `${base}_${name}`
    const url = new URL(adminUrl)
    url.pathname = `/${location}`
    return { kind: "postgres", name, url: url.toString(), location }
  }
  // A template must have no other session; a backend can outlive its client's
  // disconnect by a moment, so the copy is retried briefly. FILE_COPY checkpoints
  // and syncs the copy itself, where the default WAL_LOG would push the whole
  // template through the WAL for the measured run's checkpoints to write out.
  const createDatabase = async (store: Store, template?: Store) => {
    await run(`DROP DATABASE IF EXISTS "${store.location}" WITH (FORCE)`)
    for (let attempt = 1; ; attempt++) {
      try {
        await run(`CREATE DATABASE "${store.location}"` +
          (template === undefined ? "" : ` TEMPLATE "${template.location}" STRATEGY FILE_COPY`))
        break
      } catch (error) {
        if (attempt >= 20) throw error
        await sleep(250)
      }
    }
    databases.add(store.location)
    return store
  }
  const dropDatabase = async (location: string) => {
    await run(`DROP DATABASE IF EXISTS "${location}" WITH (FORCE)`)
    databases.delete(location)
  }
  return {
    label: `postgresql (temporary database ${base}* on ${new URL(adminUrl).host})`,
    dir,
    create: (name) => createDatabase(make(name)),
    clone: (from, name) => createDatabase(make(name), from),
    drop: (store) => dropDatabase(store.location),
    close: async () => {
      for (const location of [...databases]) await dropDatabase(location)
      await admin.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const makeBackend = (database: string): Backend => {
  const dir = mkdtempSync(join(tmpdir(), "mini-crm-bench-"))
  if (database === "sqlite") return sqliteBackend(dir)
  if (/^postgres(ql)?:\/\//.test(database)) return postgresBackend(dir, database)
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`--database must be "sqlite" or a postgres:// URL, got "${database}"`)
}
