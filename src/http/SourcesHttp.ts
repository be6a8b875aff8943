import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { Sources } from "../services/Sources.js"
import { Api } from "./Api.js"
import { committed } from "./WriteOptions.js"

export const SourcesHttp = HttpApiBuilder.group(Api, "sources", (handlers) =>
  Effect.gen(function* () {
    const sources = yield* Sources
    return handlers
      .handle("create", ({ payload }) => sources.create(payload), committed)
      .handle("list", () => sources.list)
      .handle("get", ({ path }) => sources.get(path.id))
      .handle("upsertWeights", ({ path, payload }) => sources.setWeights(path.id, payload, false), committed)
      .handle("replaceWeights", ({ path, payload }) => sources.setWeights(path.id, payload, true), committed)
      .handle("weights", ({ path }) => sources.weights(path.id))
  })
)
