import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as NodeContext from "@effect/platform-node/NodeContext"
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

/** Any fixed number shared by every replica: the key of the migration lock. */
const MIGRATION_LOCK = 727_274

/**
 * Replicas starting together queue on a session-level advisory lock held on one
 * reserved connection, so exactly one applies the migrations and the others find
 * them done. (An enclosing transaction cannot be used: the migrator probes for its
 * table with a statement that fails on a fresh database and would abort it.)
 */
const migratePg = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // Scoped here, not by the layer: the lock's connection goes back to the pool
    // as soon as the migrations are done.
    const lock = yield* sql.reserve
    yield* Effect.acquireUseRelease(
      lock.executeUnprepared("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK], undefined),
      () => PgMigrator.run({ loader }),
      () => Effect.orDie(lock.executeUnprepared("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK], undefined))
    )
  }).pipe(Effect.scoped)
)

const postgres = (target: Extract<DatabaseTarget, { _tag: "Postgres" }>) =>
  migratePg.pipe(Layer.provideMerge(PgClient.layer({ url: target.url, maxConnections: 10 })))

/**
 * SqlClient for the configured database, migrated and ready. Neither client renames
 * columns (no transformResultNames): the registration's statements bypass the
 * statement wrapper that would apply it (`inTransaction`, Sql.ts).
 */
export const DatabaseLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ database }) =>
    database._tag === "Sqlite" ? sqlite(database.filename) : postgres(database)
  )
).pipe(Layer.provide(NodeContext.layer))
