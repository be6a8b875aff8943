import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { SqlClient } from "@effect/sql"
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
 * The PostgreSQL client is imported only when it is configured: loading it (pg and its
 * dependencies) cost the service's two threads ~15 MB at rest on SQLite, for nothing.
 */
const postgres = (target: Extract<DatabaseTarget, { _tag: "Postgres" }>) =>
  Layer.unwrapEffect(Effect.map(Effect.promise(() => import("./Postgres.js")), (pg) => pg.postgres(target)))

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
