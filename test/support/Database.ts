import { SqlClient } from "@effect/sql"
import { ConfigProvider, Effect, Layer } from "effect"
import { AppConfig } from "../../src/services/AppConfig.js"
import { DatabaseLive } from "../../src/services/Database.js"

/** A migrated, empty in-memory SQLite database: cheap enough to build one per property run. */
export const freshSqlite = DatabaseLive.pipe(
  Layer.provide(AppConfig.Default),
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ DATABASE_URL: "sqlite::memory:" })))
)

export interface OperatorSeed {
  readonly is_active: boolean
  readonly max_load: number
  readonly load: number
  /** null: no weight row for the source at all. */
  readonly weight: number | null
}

/** Writes operators with arbitrary loads straight into the tables, with one source; returns their ids in order. */
export const seedOperators = (seeds: ReadonlyArray<OperatorSeed>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const t = new Date(0).toISOString()
    yield* sql`INSERT INTO sources (id, name, name_key, created_at) VALUES (1, 'S', 's', ${t})`
    const ids: Array<number> = []
    for (const [i, seed] of seeds.entries()) {
      const id = i + 1
      yield* sql`INSERT INTO operators (id, name, name_key, is_active, max_load, load, created_at)
                 VALUES (${id}, ${`op${id}`}, ${`op${id}`}, ${seed.is_active ? 1 : 0}, ${seed.max_load}, ${seed.load}, ${t})`
      // A weight of 0 cannot be stored (the API deletes such rows); it behaves as no row.
      if (seed.weight !== null && seed.weight > 0) {
        yield* sql`INSERT INTO source_operators (source_id, operator_id, weight) VALUES (1, ${id}, ${seed.weight})`
      }
      ids.push(id)
    }
    return ids
  }).pipe(Effect.orDie)

export const loads = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ id: number; load: number }>`SELECT id, load FROM operators ORDER BY id`
  return rows.map((r) => r.load)
}).pipe(Effect.orDie)

/** The service's database layer on an existing SQLite file, as a restarted process would open it. */
export const sqliteFile = (filename: string) =>
  DatabaseLive.pipe(
    Layer.provide(AppConfig.Default),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ DATABASE_URL: `sqlite:${filename}` })))
  )
