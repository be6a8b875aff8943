import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Sources } from "../services/Sources.js"
import { Api } from "./Api.js"

export const SourcesHttp = HttpApiBuilder.group(Api, "sources", (handlers) =>
  Effect.gen(function* () {
    const sources = yield* Sources
    return handlers
      .handle("create", ({ payload }) => sources.create(payload))
      .handle("list", () => sources.list)
      .handle("get", ({ path }) => sources.get(path.id))
      .handle("upsertWeights", ({ path, payload }) => sources.setWeights(path.id, payload, false))
      .handle("replaceWeights", ({ path, payload }) => sources.setWeights(path.id, payload, true))
      .handle("weights", ({ path }) => sources.weights(path.id))
  })
)
