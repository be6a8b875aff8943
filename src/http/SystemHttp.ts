import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { DatabaseUnavailable } from "../domain/Errors.js"
import { Health } from "../domain/Stats.js"
import { StatsService } from "../services/Stats.js"
import { Api } from "./Api.js"

export const StatsHttp = HttpApiBuilder.group(Api, "stats", (handlers) =>
  Effect.map(StatsService, (stats) => handlers.handle("operators", () => stats.operatorStats))
)

const healthy = new Health({ status: "ok" })

export const HealthHttp = HttpApiBuilder.group(Api, "health", (handlers) =>
  Effect.map(StatsService, (stats) =>
    handlers.handle("check", () =>
      stats.ping.pipe(
        Effect.timeoutFail({
          duration: "2 seconds",
          onTimeout: () => new DatabaseUnavailable({ message: "the database did not answer within 2 seconds" })
        }),
        Effect.catchTag("SqlError", (error) =>
          new DatabaseUnavailable({ message: `the database is unreachable: ${error.message}` })),
        Effect.as(healthy)
      )
    ))
)
