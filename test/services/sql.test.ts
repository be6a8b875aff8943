import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Data, Effect, Exit } from "effect"
import { inTransaction, readTogether, transaction } from "../../src/services/Sql.js"
import { forEachDatabase } from "../support/Databases.js"
import { TestApp } from "../support/TestApp.js"

class Refused extends Data.TaggedError("Refused") {}

forEachDatabase((db) => layer(TestApp(db))(`readTogether on ${db.name}`, (it) => {
  it.effect("inside an open transaction they run in it (PostgreSQL cannot change a savepoint's isolation)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.withTransaction(readTogether(sql)(sql<{ one: number }>`SELECT 1 AS one`))
      expect(rows.map((row) => Number(row.one))).toEqual([1])
    }))
}))

forEachDatabase((db) => layer(TestApp(db))(`transaction on ${db.name}`, (it) => {
  const setUp = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS transaction_probe (label TEXT NOT NULL)`
    const insert = (label: string) => inTransaction(sql`INSERT INTO transaction_probe (label) VALUES (${label})`)
    const labels = Effect.map(
      sql<{ label: string }>`SELECT label FROM transaction_probe ORDER BY label`,
      (rows) => rows.map((row) => row.label)
    )
    return { sql, insert, labels, inOne: transaction(sql) }
  })

  it.effect("keeps what it wrote once it succeeds, and takes back all of it when it fails", () =>
    Effect.gen(function* () {
      const { insert, labels, inOne } = yield* setUp
      yield* inOne(Effect.zipRight(insert("a1"), insert("a2")))
      const failed = yield* Effect.exit(inOne(Effect.zipRight(insert("b1"), new Refused())))
      expect(Exit.isFailure(failed) && failed.cause._tag === "Fail" && failed.cause.error._tag).toBe("Refused")
      // The connection is free again and no transaction is left open on it.
      yield* inOne(insert("c1"))
      expect((yield* labels).filter((label) => /^[abc]/.test(label))).toEqual(["a1", "a2", "c1"])
    }))

  it.effect("inside another transaction takes back only its own writes when it fails", () =>
    Effect.gen(function* () {
      const { insert, labels, inOne } = yield* setUp
      yield* inOne(Effect.gen(function* () {
        yield* insert("d1")
        yield* Effect.exit(inOne(Effect.zipRight(insert("d2"), new Refused())))
        yield* inOne(insert("d3"))
      }))
      expect((yield* labels).filter((label) => label.startsWith("d"))).toEqual(["d1", "d3"])
    }))
}))
