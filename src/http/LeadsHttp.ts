import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { Leads } from "../services/Leads.js"
import { Api } from "./Api.js"

export const LeadsHttp = HttpApiBuilder.group(Api, "leads", (handlers) =>
  Effect.gen(function* () {
    const leads = yield* Leads
    return handlers
      .handle("list", ({ urlParams }) => leads.list(urlParams))
      .handle("get", ({ path }) => leads.get(path.id))
  })
)
