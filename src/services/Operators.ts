import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { NameTaken, OperatorNotFound } from "../domain/Errors.js"
import { IntBool } from "../domain/Fields.js"
import type { OperatorId } from "../domain/Ids.js"
import { type CreateOperator, Operator, type UpdateOperator } from "../domain/Operator.js"
import { decodeFirst, decodeRows, isUniqueViolation, nameKey, now } from "./Sql.js"

const OperatorRow = Schema.transform(
  Schema.Struct({ ...Operator.fields, is_active: IntBool }),
  Schema.typeSchema(Operator),
  { strict: true, decode: (row) => new Operator(row, { disableValidation: true }), encode: (value) => ({ ...value }) }
)
const columns = "id, name, is_active, max_load, load, created_at"

export class Operators extends Effect.Service<Operators>()("Operators", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const one = decodeFirst(OperatorRow)
    const all = decodeRows(OperatorRow)

    const get = (id: OperatorId) =>
      sql`SELECT ${sql.literal(columns)} FROM operators WHERE id = ${id}`.pipe(
        one,
        Effect.flatMap(Option.match({ onNone: () => OperatorNotFound.of(id), onSome: Effect.succeed }))
      )

    const list = (filter: { readonly is_active?: boolean | undefined }) =>
      all(sql`SELECT ${sql.literal(columns)} FROM operators
              ${filter.is_active === undefined ? sql`` : sql`WHERE is_active = ${filter.is_active ? 1 : 0}`}
              ORDER BY id`)

    const create = (input: CreateOperator) =>
      Effect.gen(function* () {
        const created_at = yield* now
        const is_active = input.is_active ?? true
        const max_load = input.max_load ?? 10
        const created = yield* one(sql`
          INSERT INTO operators (name, name_key, is_active, max_load, load, created_at)
          VALUES (${input.name}, ${nameKey(input.name)}, ${is_active ? 1 : 0}, ${max_load}, 0, ${created_at})
          ON CONFLICT (name_key) DO NOTHING
          RETURNING ${sql.literal(columns)}`)
        return yield* Option.match(created, {
          onNone: () => NameTaken.of("operator", input.name),
          onSome: Effect.succeed
        })
      })

    // One statement, no read first: absent fields keep their value. Only the operator's
    // own columns change: existing contacts and the load stay, so lowering max_load or
    // deactivating only stops new assignments.
    const update = (id: OperatorId, patch: UpdateOperator) =>
      Effect.gen(function* () {
        const name = patch.name ?? null
        const active = patch.is_active === undefined ? null : patch.is_active ? 1 : 0
        const updated = yield* one(sql`
          UPDATE operators
          SET name = COALESCE(${name}, name),
              name_key = COALESCE(${name === null ? null : nameKey(name)}, name_key),
              is_active = COALESCE(${active}, is_active),
              max_load = COALESCE(${patch.max_load ?? null}, max_load)
          WHERE id = ${id}
          RETURNING ${sql.literal(columns)}`.pipe(
          Effect.catchTag("SqlError", (error) =>
            isUniqueViolation(error) ? NameTaken.of("operator", name ?? "") : Effect.die(error))
        ))
        return yield* Option.match(updated, { onNone: () => OperatorNotFound.of(id), onSome: Effect.succeed })
      })

    return { get, list, create, update } as const
  })
}) {}
