import { SqlClient, SqlError } from "@effect/sql"
import { Cause, Context, Data, Deferred, type Duration, Effect, Exit, FiberSet, Layer, Option, Runtime, Schema } from "effect"
import { setFlagsFromString } from "node:v8"
import { type MessagePort, Worker as Thread } from "node:worker_threads"
import { Contact, type RegisterContact } from "../domain/Contact.js"
import { IdempotencyKeyReused, SourceNotFound } from "../domain/Errors.js"
import { givenSettings } from "./AppConfig.js"
import { Contacts } from "./Contacts.js"
import { causeCode, transaction } from "./Sql.js"

/**
 * Registrations can run on a thread of their own (REGISTRATION_THREAD): the HTTP
 * stack, which is most of a request's CPU, stays on the main thread, and the
 * registration transaction, the other big part, runs beside it on the second core.
 * The thread has its own connection, its own `Contacts` and `Distribution` (with the
 * configured Random), so a registration is still all-or-nothing on its own; the
 * threads share nothing but the database, exactly like two processes would.
 *
 * The two threads exchange plain messages: a registration one way, the answers of a
 * batch of them the other (`answerAll`). The platform's `Worker` does the same with a
 * request protocol made for streams and interruption, which cost the main thread 3–4×
 * a bare round trip per registration (docs/performance.md); a write is never
 * interrupted (`committed`), and one answer per request needs none of it.
 */
type Request = readonly [id: number, input: RegisterContact, key: string | undefined]

type Reply =
  | readonly [id: number, kind: "contact", contact: Contact]
  | readonly [id: number, kind: "failure", failure: unknown]
  | readonly [id: number, kind: "defect", cause: string]

/** The registrar says it has opened its database and takes registrations; told to close, it finishes those in flight. */
const READY = "ready"
const CLOSE = "close"

/**
 * A database failure keeps its driver code across the thread, so the answer (503 or 500)
 * is the same as in-process, and the driver's own error, so the log says what failed.
 */
const SqlFailure = Schema.TaggedStruct("SqlFailure", {
  code: Schema.String,
  message: Schema.String,
  cause: Schema.Struct({ name: Schema.String, message: Schema.String })
})

const sqlFailure = (error: SqlError.SqlError) =>
  SqlFailure.make({
    code: causeCode(error),
    message: error.message,
    cause: error.cause instanceof Error
      ? { name: error.cause.name, message: error.cause.message }
      : { name: "Error", message: String(error.cause) }
  })

/** What a registration can fail with, in a form that crosses the thread (a structured clone drops classes). */
const RegistrationFailure = Schema.Union(SourceNotFound, IdempotencyKeyReused, SqlFailure)

const encodeFailure = Schema.encode(RegistrationFailure)
const decodeFailure = Schema.decodeUnknown(RegistrationFailure)

/** A registration's answer; only a database error or a defect fails it. */
const registered = (contacts: Contacts, [id, input, key]: Request) =>
  contacts.register(input, key).pipe(
    Effect.map((contact): Reply => [id, "contact", contact]),
    Effect.catchAll((failure) => Effect.map(encodeFailure(failure), (encoded): Reply => [id, "failure", encoded]))
  )

/** A registration in a transaction of its own, answered whatever happens. */
const alone = (contacts: Contacts, request: Request): Effect.Effect<Reply> =>
  registered(contacts, request).pipe(
    Effect.catchSomeDefect((defect) =>
      defect instanceof SqlError.SqlError
        ? Option.some(Effect.map(encodeFailure(sqlFailure(defect)), (encoded): Reply => [request[0], "failure", encoded]))
        : Option.none()),
    Effect.catchAllCause((cause) => Effect.succeed<Reply>([request[0], "defect", Cause.pretty(cause)]))
  )

/**
 * At most this many registrations share a commit on SQLite. The main thread waits for
 * the whole batch's answers, so a larger batch leaves it idle longer: batches of up to
 * 32 gained less than batches of up to 4 or 8 (docs/performance.md). On PostgreSQL,
 * which locks rows, not the database, a batch would hold every operator it claimed
 * until its commit, and two batches claiming the same operators in different orders
 * deadlock: there a registration stays alone.
 */
const maxBatch = (sql: SqlClient.SqlClient) => sql.onDialectOrElse({ sqlite: () => 8, orElse: () => 1 })

/** An unknown source or a reused key, and nothing worse. */
const refusedOnly = (cause: Cause.Cause<unknown>) => !Cause.isDie(cause) && !Cause.isInterrupted(cause) && Cause.isFailure(cause)

/**
 * Registrations that arrived together are committed together, in one transaction.
 * SQLite then writes the pages a registration changes once per batch instead of once
 * per registration: 40–45 % less of its work per registration at four to eight a batch.
 * Nothing is answered before the commit. A registration that fails rolls the whole batch
 * back, and each of its registrations is then run alone, so one failing registration
 * fails no other: an unknown source or a reused key, which a registration finds after
 * it has written, as well as a database error or a defect, after some of which SQLite
 * has left the transaction already. Run alone, each is answered as soon as it is
 * committed, not when the last of them is: one that waits for SQLite's lock delays no
 * answer already settled. A savepoint per registration would roll back a refused one
 * alone, but costs ~9 % of a registration's instructions to spare the rare batch that
 * holds one (docs/performance.md).
 */
const answerAll = (
  contacts: Contacts,
  together: ReturnType<typeof transaction>,
  batch: ReadonlyArray<Request>,
  send: (replies: ReadonlyArray<Reply>) => void
) => {
  const eachAlone = Effect.forEach(batch, (request) =>
    Effect.map(alone(contacts, request), (reply) => send([reply])), { discard: true })
  return batch.length === 1 ? eachAlone : together(Effect.forEach(batch, ([id, input, key]) =>
    Effect.map(contacts.registerInTransaction(input, key), (contact): Reply => [id, "contact", contact]))).pipe(
      // Sending is outside the fallback: a batch that has committed is never run again.
      Effect.matchCauseEffect({
        onSuccess: (replies) => Effect.sync(() => send(replies)),
        onFailure: (cause) =>
          Effect.zipRight(
            // A refused registration is answered as such when it runs alone. Any other
            // failure is logged here: it may not come back when run alone.
            refusedOnly(cause)
              ? Effect.void
              : Effect.logWarning(`a batch of ${batch.length} registrations failed; each is run alone`, cause),
            eachAlone
          )
      })
    )
}

/**
 * The registrar's side: answers the registrations on `port`, a batch at a time
 * (`answerAll`), each with its contact or its encoded failure, until told to close;
 * then it waits for those in flight.
 */
export const serveRegistrations = (port: MessagePort) =>
  Effect.gen(function* () {
    const contacts = yield* Contacts
    const sql = yield* SqlClient.SqlClient
    const together = transaction(sql)
    const size = maxBatch(sql)
    const fibers = yield* FiberSet.make()
    const run = yield* FiberSet.runtime(fibers)<never>()
    const closing = yield* Deferred.make<void>()
    // What arrives while the thread is busy is collected, and handed on once the
    // channel has delivered all of it (setImmediate runs after this turn's messages).
    let queued: Array<Request> = []
    const flush = () => {
      const arrived = queued
      queued = []
      for (let i = 0; i < arrived.length; i += size) {
        const batch = arrived.slice(i, i + size)
        run(answerAll(contacts, together, batch, (replies) => port.postMessage(replies)))
      }
    }
    port.on("message", (message: Request | typeof CLOSE) => {
      if (message === CLOSE) {
        // Registrations sent before it are in flight too.
        flush()
        Deferred.unsafeDone(closing, Exit.void)
      } else if (queued.push(message) === 1) setImmediate(flush)
    })
    port.postMessage(READY)
    yield* Deferred.await(closing)
    yield* FiberSet.awaitEmpty(fibers)
  }).pipe(Effect.scoped)

export class RegistrarNotStarted extends Data.TaggedError("RegistrarNotStarted")<{ readonly message: string }> {}

export class RegistrarStopped extends Data.TaggedError("RegistrarStopped")<{ readonly message: string }> {}

/**
 * The registrar thread as the entry point sees it: `stopped` fails once the thread has
 * ended on its own (a bug, or out of memory), so the service stops with an error and is
 * restarted by its supervisor, like any crashed process, instead of running on without
 * registrations. Without a thread it never completes.
 */
export class Registrar extends Context.Tag("Registrar")<Registrar, {
  readonly stopped: Effect.Effect<never, RegistrarStopped>
}>() {}

export const NoRegistrar = Layer.succeed(Registrar, { stopped: Effect.never })

const fromRegistrar = (failure: unknown) =>
  Effect.flatMap(Effect.orDie(decodeFailure(failure)), (decoded) =>
    decoded._tag === "SqlFailure"
      ? Effect.die(new SqlError.SqlError({
        cause: Object.assign(new Error(decoded.cause.message), { name: decoded.cause.name, code: decoded.code }),
        message: decoded.message
      }))
      : Effect.fail(decoded))

const fromReply = (reply: Reply) => {
  switch (reply[1]) {
    // A structured clone keeps the fields, validated where they were made, not the class.
    case "contact":
      return Effect.succeed(new Contact(reply[2], { disableValidation: true }))
    case "failure":
      return fromRegistrar(reply[2])
    case "defect":
      return Effect.die(new Error(`the registrar thread failed a registration:\n${reply[2]}`))
  }
}

/** How long a closing registrar may take to finish its registrations and close its database. */
const CLOSE_WITHIN = "5 seconds"

/**
 * `Contacts` whose registrations run on the registrar thread started from `registrar`
 * (the built `registrar.js`, or `registrar.ts` run through tsx); reads and closes stay
 * on this thread's connection.
 */
export const contactsOnRegistrar = (registrar: URL, startWithin: Duration.DurationInput = "30 seconds") =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const local = yield* Contacts
      const workerData = yield* givenSettings
      const runFork = Runtime.runFork(yield* Effect.runtime<never>())
      const ready = yield* Deferred.make<void>()
      const exited = yield* Deferred.make<number>()
      const waiting = new Map<number, (reply: Effect.Effect<Contact, SourceNotFound | IdempotencyKeyReused>) => void>()
      let failure = ""
      let gone: RegistrarStopped | undefined
      const thread = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const thread = startThread(registrar, workerData)
          thread.on("message", (message: ReadonlyArray<Reply> | typeof READY) => {
            if (message === READY) return Deferred.unsafeDone(ready, Exit.void)
            for (const reply of message) {
              const resume = waiting.get(reply[0])
              waiting.delete(reply[0])
              resume?.(fromReply(reply))
            }
          })
          // An uncaught error on the thread: it exits next.
          thread.on("error", (error) => {
            failure = `: ${error.message}`
            runFork(Effect.logError("the registrar thread failed", error))
          })
          thread.once("exit", (code) => {
            gone = new RegistrarStopped({ message: `the registrar thread stopped (exit code ${code})` })
            for (const resume of waiting.values()) resume(Effect.die(gone))
            waiting.clear()
            Deferred.unsafeDone(exited, Exit.succeed(code))
          })
          return thread
        }),
        (thread) =>
          Effect.suspend(() => {
            thread.postMessage(CLOSE)
            return Deferred.await(exited)
          }).pipe(
            Effect.timeout(CLOSE_WITHIN),
            Effect.catchAll(() => Effect.promise(() => thread.terminate()))
          )
      )
      yield* Deferred.await(ready).pipe(
        Effect.raceFirst(Effect.flatMap(Deferred.await(exited), (code) =>
          new RegistrarNotStarted({ message: `the registrar thread (${registrar.href}) exited with code ${code} before it started${failure}` }))),
        Effect.timeoutFail({
          duration: startWithin,
          onTimeout: () => new RegistrarNotStarted({ message: `the registrar thread (${registrar.href}) did not start` })
        })
      )
      // Awaited by the entry point, which is interrupted first on shutdown: only an exit of the thread's own ends it.
      const stopped = Effect.flatMap(Deferred.await(exited), (code) =>
        new RegistrarStopped({ message: `the registrar thread stopped on its own (exit code ${code})` }))
      let next = 0
      const register = (input: RegisterContact, key?: string) =>
        Effect.async<Contact, SourceNotFound | IdempotencyKeyReused>((resume) => {
          // The service is stopping then; what still arrives is refused, not left waiting.
          if (gone !== undefined) return resume(Effect.die(gone))
          const id = next++
          waiting.set(id, resume)
          thread.postMessage([id, input, key] satisfies Request)
        })
      yield* Effect.logInfo("registrations run on a thread of their own")
      return Context.make(Contacts, Contacts.make({ ...local, register })).pipe(
        Context.add(Registrar, { stopped })
      )
    })
  ).pipe(Layer.provide(Contacts.Default))

/**
 * The registrar's semi-spaces, in MB. A registration's objects on the main thread live
 * as long as its HTTP request, so ~480 KB survive each scavenge there and young
 * generations of 2 × 8 MB (`npm start`) halve how often it pays for that; the registrar
 * keeps ~45 KB across one, so 2 × 2 MB cost it little and save the memory the main
 * thread's take (docs/performance.md). V8 reads the flag when a thread's heap is set
 * up, and Worker's `resourceLimits` give way to it: set here, it is the registrar's.
 */
const REGISTRAR_SEMI_SPACE_MB = 2

/**
 * Run from the sources (tsx: development and tests), the thread registers tsx itself:
 * on Node 20 a loader given with `--import` does not reach a worker's entry module.
 */
const startThread = (registrar: URL, workerData: Record<string, string>) => {
  setFlagsFromString(`--max-semi-space-size=${REGISTRAR_SEMI_SPACE_MB}`)
  return registrar.pathname.endsWith(".ts")
    ? new Thread(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(registrar.href)}) })`,
      { eval: true, workerData }
    )
    : new Thread(registrar, { workerData })
}
