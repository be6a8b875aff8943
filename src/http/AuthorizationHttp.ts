import { Effect, Layer, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Unauthorized } from "../domain/Errors.js"
import { AppConfig } from "../services/AppConfig.js"
import { Authorization } from "./Security.js"

// Comparing fixed-length digests keeps the comparison constant-time whatever the token's length.
const digest = (text: string) => createHash("sha256").update(text).digest()

const denied = new Unauthorized({ message: "missing or wrong bearer token" })

export const AuthorizationLive = Layer.effect(
  Authorization,
  Effect.gen(function* () {
    const { apiToken } = yield* AppConfig
    if (Option.isNone(apiToken)) {
      yield* Effect.logWarning("API_TOKEN is not set: the API is open to anyone who can reach it")
      return Authorization.of({ bearer: () => Effect.void })
    }
    const expected = digest(Redacted.value(apiToken.value))
    return Authorization.of({
      bearer: (token) =>
        timingSafeEqual(digest(Redacted.value(token)), expected) ? Effect.void : Effect.fail(denied)
    })
  })
)
