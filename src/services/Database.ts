import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { SqliteClient, SqliteMigrator } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import { AppConfig, type DatabaseTarget } from "./AppConfig.js"
import { migrations } from "./Migrations.js"

const loader = SqliteMigrator.fromRecord(migrations)

const sqlite = (filename: string) => {
  const ensureDirectory = Effect.gen(function* () {
    if (filename === ":memory:") return
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(path.dirname(filename), { recursive: true })
  })
  // WAL is the client's default. NORMAL sync is still crash-safe in WAL mode
  // (only a power cut can lose the last commits); the busy timeout lets several
  // processes share the file without SQLITE_BUSY errors.
  const pragmas = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA busy_timeout = 5000`
    yield* sql`PRAGMA synchronous = NORMAL`
    yield* sql`PRAGMA foreign_keys = ON`
  })
  return SqliteMigrator.layer({ loader }).pipe(
    Layer.provideMerge(Layer.effectDiscard(pragmas)),
    Layer.provideMerge(Layer.unwrapEffect(Effect.as(ensureDirectory, SqliteClient.layer({ filename }))))
  )
}

/**
 * Replicas starting together take one advisory lock around the migrations,
 * so exactly one applies them and the others find them done.
 */
const migratePg = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(
      sql`SELECT pg_advisory_xact_lock(727274)`.pipe(Effect.zipRight(PgMigrator.run({ loader })))
    )
  })
)

const postgres = (target: Extract<DatabaseTarget, { _tag: "Postgres" }>) =>
  migratePg.pipe(Layer.provideMerge(PgClient.layer({ url: target.url, maxConnections: 10 })))

/** SqlClient for the configured database, migrated and ready. */
export const DatabaseLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ database }) =>
    database._tag === "Sqlite" ? sqlite(database.filename) : postgres(database)
  )
).pipe(Layer.provide(NodeContext.layer))
