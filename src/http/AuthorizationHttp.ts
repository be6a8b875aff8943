import { Effect, Layer, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "../domain/Errors.js"
import { AppConfig } from "../services/AppConfig.js"
import { Authorization } from "./Security.js"

// Comparing fixed-length digests keeps the comparison constant-time whatever the token's length.
const digest = (text: string) => createHash("sha256").update(text).digest()

export const denied = new Unauthorized({ message: "missing or wrong bearer token" })

/** Whether a bearer token is accepted: any is when API_TOKEN is not set. */
export const TokenCheck = Effect.map(AppConfig, ({ apiToken }) => {
  if (Option.isNone(apiToken)) return (_: Redacted.Redacted) => true
  const expected = digest(Redacted.value(apiToken.value))
  return (token: Redacted.Redacted) => timingSafeEqual(digest(Redacted.value(token)), expected)
})

/**
 * The token as the platform's bearer security reads it from a request (without
 * checking the scheme's name), so the routes and the body guards agree.
 */
export const bearerOf = (headers: Readonly<Record<string, string | undefined>>) =>
  Redacted.make((headers.authorization ?? "").slice("bearer ".length))

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const { apiToken } = yield* AppConfig
    if (Option.isNone(apiToken)) {
      yield* Effect.logWarning("API_TOKEN is not set: the API is open to anyone who can reach it")
    }
    const accepts = yield* TokenCheck
    return Authorization.of({ bearer: (token) => (accepts(token) ? Effect.void : Effect.fail(denied)) })
  })
)
