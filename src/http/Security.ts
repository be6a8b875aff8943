import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Unauthorized } from "../domain/Errors.js"

/** Bearer token on every business endpoint; enforced only when API_TOKEN is configured. */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("Authorization", {
  failure: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}
