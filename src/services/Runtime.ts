import { Effect, Layer, Logger, LogLevel, Option, Random } from "effect"
import { AppConfig } from "./AppConfig.js"

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
 * Settings that apply to every fiber of a thread (the main thread and the registrar
 * each build their own): the random source, the logger, and no tracing: nothing collects spans, and building them for every request and
 * statement is a measurable share of a registration.
 */
export const RuntimeLive = Layer.mergeAll(RandomLive, LoggerLive, Layer.setTracerEnabled(false))
