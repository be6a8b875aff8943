import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { readTogether } from "../../src/services/Sql.js"
import { forEachDatabase } from "../support/Databases.js"
import { TestApp } from "../support/TestApp.js"

forEachDatabase((db) => layer(TestApp(db))(`readTogether on ${db.name}`, (it) => {
  it.effect("inside an open transaction they run in it (PostgreSQL cannot change a savepoint's isolation)", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql.withTransaction(readTogether(sql)(sql<{ one: number }>`SELECT 1 AS one`))
      expect(rows.map((row) => Number(row.one))).toEqual([1])
    }))
}))
