import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Schema } from "effect"
import { NameTaken, OperatorNotFound, SourceNotFound } from "../domain/Errors.js"
import { fromString, SourceId } from "../domain/Ids.js"
import { CreateSource, SetWeights, Source, SourceDetail, Weight } from "../domain/Source.js"
import { Authorization } from "./Security.js"

const path = Schema.Struct({ id: fromString(SourceId) })

export class SourcesApi extends HttpApiGroup.make("sources")
  .add(
    HttpApiEndpoint.post("create", "/sources")
      .setPayload(CreateSource)
      .addSuccess(Source, { status: 201 })
      .addError(NameTaken)
  )
  .add(HttpApiEndpoint.get("list", "/sources").addSuccess(Schema.Array(Source)))
  .add(
    HttpApiEndpoint.get("get", "/sources/:id")
      .setPath(path)
      .addSuccess(SourceDetail)
      .addError(SourceNotFound)
  )
  .add(
    HttpApiEndpoint.post("upsertWeights", "/sources/:id/operators")
      .setPath(path)
      .setPayload(SetWeights)
      .addSuccess(Schema.Array(Weight))
      .addError(SourceNotFound)
      .addError(OperatorNotFound)
  )
  .add(
    HttpApiEndpoint.put("replaceWeights", "/sources/:id/operators")
      .setPath(path)
      .setPayload(SetWeights)
      .addSuccess(Schema.Array(Weight))
      .addError(SourceNotFound)
      .addError(OperatorNotFound)
  )
  .add(
    HttpApiEndpoint.get("weights", "/sources/:id/operators")
      .setPath(path)
      .addSuccess(Schema.Array(Weight))
      .addError(SourceNotFound)
  )
  .middleware(Authorization)
{}
