import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware } from "@effect/platform"
import { Effect, Function, Layer, Logger, LogLevel, Option, Random } from "effect"
import { AppConfig } from "../services/AppConfig.js"
import { Contacts } from "../services/Contacts.js"
import { DatabaseLive } from "../services/Database.js"
import { Leads } from "../services/Leads.js"
import { Operators } from "../services/Operators.js"
import { Sources } from "../services/Sources.js"
import { StatsService } from "../services/Stats.js"
import { Api } from "./Api.js"
import { AuthorizationLive } from "./AuthorizationHttp.js"
import { ContactsHttp } from "./ContactsHttp.js"
import { guards } from "./Middleware.js"
import { requestLog } from "./RequestLog.js"
import { LeadsHttp } from "./LeadsHttp.js"
import { OperatorsHttp } from "./OperatorsHttp.js"
import { SourcesHttp } from "./SourcesHttp.js"
import { HealthHttp, StatsHttp } from "./SystemHttp.js"

const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([OperatorsHttp, SourcesHttp, ContactsHttp, LeadsHttp, StatsHttp, HealthHttp]),
  Layer.provide(AuthorizationLive)
)

const ServicesLive = Layer.mergeAll(
  Operators.Default,
  Sources.Default,
  Contacts.Default,
  Leads.Default,
  StatsService.Default
)

/** RANDOM_SEED makes the draws, and so the assignments of a replayed request sequence, reproducible. */
const RandomLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ randomSeed }) =>
    Option.match(randomSeed, { onNone: () => Layer.empty, onSome: (seed) => Layer.setRandom(Random.make(seed)) })
  )
)

const urgent = (level: LogLevel.LogLevel) => LogLevel.greaterThanEqual(level, LogLevel.Warning)

/**
 * JSON lines. Routine ones (a line per request) are written in batches: stdout to a
 * file or a pipe is a blocking write on Linux, and one per request is a measurable
 * share of a registration; the buffer is written when the runtime shuts down.
 * Warnings and errors are written at once, so one logged as the process stops (say, a
 * port already in use) never waits in a buffer that nobody will flush.
 */
const JsonLogger = Logger.replaceScoped(
  Logger.defaultLogger,
  Effect.map(
    Logger.batched(Logger.filterLogLevel(Logger.jsonLogger, (level) => !urgent(level)), "20 millis", (lines) =>
      Effect.sync(() => {
        const routine = lines.flatMap(Option.toArray)
        if (routine.length > 0) process.stdout.write(routine.join("\n") + "\n")
      })),
    (routine) => Logger.zip(routine, Logger.filterLogLevel(Logger.withConsoleLog(Logger.jsonLogger), urgent))
  )
)

// With logging off there is nothing to batch, and no flushing fiber to wake every 20 ms.
const LoggerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ logLevel }) =>
    logLevel._tag === "None"
      ? Logger.replace(Logger.defaultLogger, Logger.none)
      : Layer.merge(JsonLogger, Logger.minimumLogLevel(logLevel)))
)

/**
 * Settings that apply to every fiber of the process: the random source, the logger,
 * and no tracing: nothing collects spans, and building them for every request and
 * statement is a measurable share of a registration.
 */
export const RuntimeLive = Layer.mergeAll(RandomLive, LoggerLive, Layer.setTracerEnabled(false))

/** Every route over the given services: the service's own, or a stand-in (the benchmark's). */
export const httpOver = <E, R>(services: Layer.Layer<Layer.Layer.Success<typeof ServicesLive>, E, R>) =>
  HttpApiBuilder.serve(requestLog).pipe(
    // Tracing is off, yet the platform's span middleware still parses every request's
    // URL and copies its headers for a span nobody keeps: it is skipped outright.
    HttpMiddleware.withTracerDisabledWhen(Function.constTrue),
    Layer.provide(HttpApiBuilder.middleware(guards)),
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(ApiLive),
    Layer.provide(services)
  )

/** Every route, given a database and the configuration; tests serve it on a test server. */
export const HttpLive = httpOver(ServicesLive)

/**
 * The whole service on a given HTTP server layer. Layers are released in reverse
 * order of construction: the database is built before the server so that, on
 * shutdown, the server stops accepting and drains its requests while the database
 * is still open, and only then is the database closed.
 */
export const withServer = <A, E, R>(server: Layer.Layer<A, E, R>, http: typeof HttpLive = HttpLive) =>
  http.pipe(
    Layer.provideMerge(server),
    Layer.provide(DatabaseLive),
    Layer.provide(RuntimeLive),
    Layer.provide(AppConfig.Default)
  )
