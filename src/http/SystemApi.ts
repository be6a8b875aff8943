import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { DatabaseUnavailable } from "../domain/Errors.js"
import { Health, Stats } from "../domain/Stats.js"
import { Authorization } from "./Security.js"

export class StatsApi extends HttpApiGroup.make("stats")
  .add(HttpApiEndpoint.get("operators", "/stats/operators").addSuccess(Stats))
  .middleware(Authorization)
{}

/** Open even when a token is configured: load balancers and orchestrators probe it. */
export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("check", "/health").addSuccess(Health).addError(DatabaseUnavailable))
{}
