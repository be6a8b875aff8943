import { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"
import { NameTaken, OperatorNotFound, SourceNotFound } from "../domain/Errors.js"
import type { OperatorId, SourceId } from "../domain/Ids.js"
import { type CreateSource, type SetWeights, Source, SourceDetail, Weight } from "../domain/Source.js"
import { decodeFirst, decodeRows, nameKey, now, transaction } from "./Sql.js"

export class Sources extends Effect.Service<Sources>()("Sources", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const one = decodeFirst(Source)
    const weightRows = decodeRows(Weight)
    const columns = sql.literal("id, name, description, created_at")

    const require = (id: SourceId) =>
      one(sql`SELECT ${columns} FROM sources WHERE id = ${id}`).pipe(
        Effect.flatMap(Option.match({ onNone: () => SourceNotFound.of(id), onSome: Effect.succeed }))
      )

    const weightsOf = (id: SourceId) =>
      weightRows(sql`
        SELECT w.operator_id, o.name AS operator_name, w.weight
        FROM source_operators w JOIN operators o ON o.id = w.operator_id
        WHERE w.source_id = ${id}
        ORDER BY w.operator_id`)

    const list = decodeRows(Source)(sql`SELECT ${columns} FROM sources ORDER BY id`)

    const get = (id: SourceId) =>
      Effect.gen(function* () {
        const source = yield* require(id)
        const operators = yield* weightsOf(id)
        return new SourceDetail({ ...source, operators }, { disableValidation: true })
      })

    const weights = (id: SourceId) => Effect.zipRight(require(id), weightsOf(id))

    const create = (input: CreateSource) =>
      Effect.gen(function* () {
        const created_at = yield* now
        const created = yield* one(sql`
          INSERT INTO sources (name, name_key, description, created_at)
          VALUES (${input.name}, ${nameKey(input.name)}, ${input.description ?? null}, ${created_at})
          ON CONFLICT (name_key) DO NOTHING
          RETURNING ${columns}`)
        return yield* Option.match(created, { onNone: () => NameTaken.of("source", input.name), onSome: Effect.succeed })
      })

    const requireOperators = (ids: ReadonlyArray<OperatorId>) =>
      Effect.gen(function* () {
        if (ids.length === 0) return
        const found = yield* sql<{ id: number }>`SELECT id FROM operators WHERE ${sql.in("id", ids)}`
        const known = new Set(found.map((row) => row.id))
        const missing = ids.find((id) => !known.has(id))
        if (missing !== undefined) return yield* OperatorNotFound.of(missing)
      })

    /** `replace` clears the table first (PUT); otherwise rows are upserted (POST). Weight 0 removes a row. */
    // The no-op update claims the source's row first: concurrent changes of one
    // source's table queue behind each other (two PUTs cannot interleave their
    // delete and inserts), and on SQLite the write lock is taken up front.
    const claim = (id: SourceId) =>
      sql`UPDATE sources SET name = name WHERE id = ${id} RETURNING id`.pipe(
        Effect.flatMap((rows) => (rows.length === 1 ? Effect.void : SourceNotFound.of(id)))
      )

    const inOneTransaction = transaction(sql)
    const setWeights = (id: SourceId, body: SetWeights, replace: boolean) =>
      Effect.gen(function* () {
        yield* claim(id)
        yield* requireOperators(body.weights.map((w) => w.operator_id))
        if (replace) yield* sql`DELETE FROM source_operators WHERE source_id = ${id}`
        for (const { operator_id, weight } of body.weights) {
          yield* weight === 0
            ? sql`DELETE FROM source_operators WHERE source_id = ${id} AND operator_id = ${operator_id}`
            : sql`INSERT INTO source_operators (source_id, operator_id, weight)
                  VALUES (${id}, ${operator_id}, ${weight})
                  ON CONFLICT (source_id, operator_id) DO UPDATE SET weight = excluded.weight`
        }
        return yield* weightsOf(id)
      }).pipe(inOneTransaction, Effect.catchTag("SqlError", Effect.die))

    return { list, get, weights, create, setWeights } as const
  })
}) {}
