import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { Operators } from "../services/Operators.js"
import { Api } from "./Api.js"
import { committed } from "./WriteOptions.js"

export const OperatorsHttp = HttpApiBuilder.group(Api, "operators", (handlers) =>
  Effect.gen(function* () {
    const operators = yield* Operators
    return handlers
      .handle("create", ({ payload }) => operators.create(payload), committed)
      .handle("list", ({ urlParams }) => operators.list(urlParams))
      .handle("get", ({ path }) => operators.get(path.id))
      .handle("update", ({ path, payload }) => operators.update(path.id, payload), committed)
  })
)
