import { Config, ConfigError, Duration, Effect, Either, LogLevel, Option, Redacted } from "effect"

export type DatabaseTarget =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted }

export const parseDatabaseUrl = (url: string): Either.Either<DatabaseTarget, string> => {
  if (url.startsWith("sqlite:")) {
    const filename = url.slice("sqlite:".length)
    return filename.length === 0
      ? Either.left("DATABASE_URL sqlite: needs a path or :memory:")
      : Either.right({ _tag: "Sqlite", filename })
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    return Either.right({ _tag: "Postgres", url: Redacted.make(url) })
  }
  return Either.left("DATABASE_URL must start with sqlite:, postgres:// or postgresql://")
}

const database = Config.string("DATABASE_URL").pipe(
  Config.withDefault("sqlite:data/mini-crm.db"),
  Config.mapOrFail((url) =>
    Either.mapLeft(parseDatabaseUrl(url), (message) => ConfigError.InvalidData(["DATABASE_URL"], message))
  )
)

/** Every variable AppConfig reads. */
const NAMES = [
  "PORT", "HOST", "DATABASE_URL", "API_TOKEN", "LOG_LEVEL", "REGISTRATION_THREAD", "RANDOM_SEED",
  "SHUTDOWN_GRACE", "IDEMPOTENCY_TTL", "MAX_BODY_SIZE"
] as const

/**
 * The variables as they were given, for a thread that must be configured exactly like
 * this one: it reads them back through `ConfigProvider.fromJson`, whatever provider
 * (the environment, or a test's) this thread has.
 */
export const givenSettings: Effect.Effect<Record<string, string>, ConfigError.ConfigError> = Effect.map(
  Effect.all(NAMES.map((name) => Effect.map(Config.option(Config.string(name)), Option.map((value) => [name, value] as const)))),
  (pairs) => Object.fromEntries(pairs.flatMap(Option.toArray))
)

/** The only place that reads the environment. */
export class AppConfig extends Effect.Service<AppConfig>()("AppConfig", {
  effect: Effect.gen(function* () {
    const token = yield* Config.option(Config.redacted("API_TOKEN"))
    return {
      // 0 asks the OS for a free port; the address actually bound is logged.
      port: yield* Config.integer("PORT").pipe(
        Config.validate({ message: "PORT must be an integer from 0 to 65535", validation: (n) => n >= 0 && n <= 65_535 }),
        Config.withDefault(8000)
      ),
      host: yield* Config.string("HOST").pipe(Config.withDefault("0.0.0.0")),
      database: yield* database,
      // An empty API_TOKEN is treated as unset rather than as "the empty string is the password".
      apiToken: Option.filter(token, (t) => Redacted.value(t).length > 0),
      logLevel: yield* Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
      // Registrations on a thread of their own (see Registrar.ts); unset, the database decides (Server.ts).
      registrationThread: yield* Config.option(Config.boolean("REGISTRATION_THREAD")),
      randomSeed: yield* Config.option(Config.string("RANDOM_SEED")),
      shutdownGrace: yield* Config.duration("SHUTDOWN_GRACE").pipe(Config.withDefault(Duration.seconds(10))),
      idempotencyTtl: yield* Config.duration("IDEMPOTENCY_TTL").pipe(Config.withDefault(Duration.hours(24))),
      maxBodyBytes: yield* Config.integer("MAX_BODY_SIZE").pipe(
        Config.validate({ message: "MAX_BODY_SIZE must be a positive number of bytes", validation: (n) => n > 0 }),
        Config.withDefault(1024 * 1024)
      )
    }
  })
}) {}
