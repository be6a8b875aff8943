import { Worker, WorkerRunner } from "@effect/platform"
import { isWorkerError } from "@effect/platform/WorkerError"
import { NodeWorker } from "@effect/platform-node"
import { SqlError } from "@effect/sql"
import { Context, Data, type Duration, Effect, Fiber, Layer, Option, Schema } from "effect"
import { Worker as Thread } from "node:worker_threads"
import { Contact, type RegisterContact } from "../domain/Contact.js"
import { IdempotencyKeyReused, SourceNotFound } from "../domain/Errors.js"
import { givenSettings } from "./AppConfig.js"
import { Contacts } from "./Contacts.js"
import { causeCode } from "./Sql.js"

/**
 * Registrations can run on a thread of their own (REGISTRATION_THREAD): the HTTP
 * stack, which is most of a request's CPU, stays on the main thread, and the
 * registration transaction, the other big part, runs beside it on the second core.
 * The thread has its own connection, its own `Contacts` and `Distribution` (with the
 * configured Random), so a registration is still one transaction of its own; the
 * threads share nothing but the database, exactly like two processes would.
 */
interface Registration {
  readonly input: RegisterContact
  readonly key: string | undefined
}

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
type RegistrationFailure = typeof RegistrationFailure.Type

const encodeFailure = Schema.encode(RegistrationFailure)
const decodeFailure = Schema.decodeUnknown(RegistrationFailure)

/** The registrar's side: answers each registration with its contact's fields or an encoded failure. */
export const RegistrarLive = WorkerRunner.layer(
  ({ input, key }: Registration) =>
    Effect.flatMap(Contacts, (contacts) => contacts.register(input, key)).pipe(
      Effect.catchSomeDefect((defect) =>
        defect instanceof SqlError.SqlError
          ? Option.some(Effect.fail(sqlFailure(defect)))
          : Option.none()
      )
    ),
  {
    encodeError: (_, failure: RegistrationFailure) =>
      Effect.orDie(encodeFailure(failure))
  }
)

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
      let started: Thread | undefined
      // A thread that fails to start (its file missing, its database unreadable) is
      // retried by the platform forever; the service refuses to start instead.
      const thread = yield* Effect.flatMap(Worker.WorkerManager, (manager) =>
        manager.spawn<Registration, Contact, unknown>({})).pipe(
          Effect.timeoutFail({
            duration: startWithin,
            onTimeout: () => new RegistrarNotStarted({ message: `the registrar thread (${registrar.href}) did not start` })
          }),
          Effect.provide(NodeWorker.layer(() => (started = startThread(registrar, workerData))))
        )
      // Forked after the spawn, so at shutdown it is interrupted before the platform ends the thread.
      const ended = yield* Effect.async<number>((resume) => {
        started?.once("exit", (code) => resume(Effect.succeed(code)))
      }).pipe(Effect.forkScoped)
      const stopped = Effect.flatMap(Fiber.join(ended), (code) =>
        new RegistrarStopped({ message: `the registrar thread stopped on its own (exit code ${code})` }))
      const register = (input: RegisterContact, key?: string) =>
        thread.executeEffect({ input, key }).pipe(
          // A structured clone keeps the fields, validated where they were made, not the class.
          Effect.map((fields) => new Contact(fields, { disableValidation: true })),
          Effect.catchAll((error) => isWorkerError(error) ? Effect.die(error) : fromRegistrar(error))
        )
      yield* Effect.logInfo("registrations run on a thread of their own")
      return Context.make(Contacts, Contacts.make({ ...local, register })).pipe(
        Context.add(Registrar, { stopped })
      )
    })
  ).pipe(Layer.provide(Contacts.Default))

/**
 * Run from the sources (tsx: development and tests), the thread registers tsx itself:
 * on Node 20 a loader given with `--import` does not reach a worker's entry module.
 */
const startThread = (registrar: URL, workerData: Record<string, string>) =>
  registrar.pathname.endsWith(".ts")
    ? new Thread(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(registrar.href)}) })`,
      { eval: true, workerData }
    )
    : new Thread(registrar, { workerData })
