import { SqlClient } from "@effect/sql"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { Effect, Layer } from "effect"
import type { DatabaseTarget } from "./AppConfig.js"
import { migrations } from "./Migrations.js"

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
      () => PgMigrator.run({ loader: PgMigrator.fromRecord(migrations) }),
      () => Effect.orDie(lock.executeUnprepared("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK], undefined))
    )
  }).pipe(Effect.scoped)
)

/** The PostgreSQL client, migrated; loaded by Database.ts only when configured. */
export const postgres = (target: Extract<DatabaseTarget, { _tag: "Postgres" }>) =>
  migratePg.pipe(Layer.provideMerge(PgClient.layer({ url: target.url, maxConnections: 10 })))
