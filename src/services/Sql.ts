import { SqlClient, type SqlConnection, SqlError, type Statement } from "@effect/sql"
import { Array as Arr, Clock, Effect, Option, Schema, Scope } from "effect"

export const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

/** Names are unique regardless of case; the key is kept beside the name as typed. */
export const nameKey = (name: string): string => name.toLocaleLowerCase("und")

/** The driver's error code: SQLite's `SQLITE_…` names, PostgreSQL's SQLSTATE, or "" when there is none. */
export const causeCode = (error: SqlError.SqlError): string => {
  const cause = error.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : ""
}

/** SQLite reports SQLITE_CONSTRAINT_UNIQUE, PostgreSQL SQLSTATE 23505. */
export const isUniqueViolation = (error: SqlError.SqlError): boolean => {
  const code = causeCode(error)
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505"
}

/**
 * Decodes result rows with a schema. A row that does not decode is a bug in a
 * query, not bad input, so it (like an SqlError) becomes a defect.
 */
export const decodeRows = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknown(Schema.Array(schema))
  return <E, R>(
    rows: Effect.Effect<ReadonlyArray<unknown>, E, R>
  ): Effect.Effect<ReadonlyArray<A>, Exclude<E, Extract<E, SqlError.SqlError>>, R> =>
    rows.pipe(
      Effect.catchIf((error): error is Extract<E, SqlError.SqlError> => error instanceof SqlError.SqlError, Effect.die),
      Effect.flatMap((found) => Effect.orDie(decode(found)))
    )
}

export const decodeFirst = <A, I>(schema: Schema.Schema<A, I>) => {
  const rows = decodeRows(schema)
  return <E, R>(
    effect: Effect.Effect<ReadonlyArray<unknown>, E, R>
  ): Effect.Effect<Option.Option<A>, Exclude<E, Extract<E, SqlError.SqlError>>, R> =>
    Effect.map(rows(effect), Arr.head)
}

/**
 * Runs several reads as one moment of the database, so counters read by one
 * statement agree with the rows read by the next. A SQLite transaction reads from one
 * snapshot already; PostgreSQL's default isolation takes a new snapshot per statement.
 */
export const readTogether = (sql: SqlClient.SqlClient) => {
  const inOneTransaction = transaction(sql)
  return <A, E, R>(reads: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Effect.serviceOption(SqlClient.TransactionConnection), (outer) =>
      // Inside a transaction already, the reads keep that transaction's isolation:
      // PostgreSQL refuses to change it in a savepoint.
      Option.isSome(outer) ? reads : Effect.zipRight(
        sql.onDialectOrElse({
          pg: () => Effect.asVoid(sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`),
          orElse: () => Effect.void
        }),
        reads
      ).pipe(inOneTransaction))
}

/**
 * Runs a statement on the connection of the transaction it is part of. @effect/sql runs
 * each statement inside a span (a no-op one, with tracing off), a scope and a fresh
 * look-up of that connection: ~8 µs a statement on SQLite, more than a one-row UPDATE
 * itself takes, and a registration runs five. The statement is compiled as usual, with
 * the client's dialect; no name transform is configured, so none is skipped.
 */
export const inTransaction = <A extends object>(
  statement: Statement.Statement<A>
): Effect.Effect<ReadonlyArray<A>, SqlError.SqlError, SqlClient.TransactionConnection> =>
  Effect.flatMap(SqlClient.TransactionConnection, ([connection]) => {
    const [text, params] = statement.compile()
    return connection.execute(text, params, undefined)
  })

/**
 * `sql.withTransaction`, built from the same parts, typed as providing the connection
 * that `inTransaction` runs on. BEGIN and COMMIT go through the client's cache of
 * prepared statements: `@effect/sql` runs them unprepared, and SQLite's driver prepares
 * them anew for every transaction (~15 % of a five-statement transaction). PostgreSQL's
 * driver runs both kinds alike. Every transaction of the service runs through it, so a
 * refused COMMIT is rolled back everywhere. Build it once per service, not per transaction.
 */
export const transaction = (sql: SqlClient.SqlClient) => {
  const run = (text: string) => (connection: SqlConnection.Connection) =>
    Effect.asVoid(connection.execute(text, [], undefined))
  const withTransaction = SqlClient.makeWithTransaction({
    transactionTag: SqlClient.TransactionConnection,
    spanAttributes: [],
    acquireConnection: Effect.flatMap(Scope.make(), (scope) =>
      Effect.map(Scope.extend(sql.reserve, scope), (connection) => [scope, connection] as const)),
    begin: run("BEGIN"),
    // A COMMIT that fails may leave SQLite's transaction open (a deferred constraint, some
    // disk and I/O errors), and `@effect/sql` rolls back only when the work failed: the
    // connection's next BEGIN would fail, for work that never ran.
    commit: (connection) => Effect.tapError(run("COMMIT")(connection), () => Effect.ignore(run("ROLLBACK")(connection))),
    rollback: run("ROLLBACK"),
    savepoint: (connection, id) => run(`SAVEPOINT effect_sql_${id}`)(connection),
    rollbackSavepoint: (connection, id) => run(`ROLLBACK TO SAVEPOINT effect_sql_${id}`)(connection)
  })
  return <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    withTransaction(effect) as Effect.Effect<A, E | SqlError.SqlError, Exclude<R, SqlClient.TransactionConnection>>
}
