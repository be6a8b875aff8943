import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Schema } from "effect"
import { NameTaken, OperatorNotFound } from "../domain/Errors.js"
import { fromString, OperatorId } from "../domain/Ids.js"
import { CreateOperator, Operator, UpdateOperator } from "../domain/Operator.js"
import { Authorization } from "./Security.js"

const path = Schema.Struct({ id: fromString(OperatorId) })

export class OperatorsApi extends HttpApiGroup.make("operators")
  .add(
    HttpApiEndpoint.post("create", "/operators")
      .setPayload(CreateOperator)
      .addSuccess(Operator, { status: 201 })
      .addError(NameTaken)
  )
  .add(
    HttpApiEndpoint.get("list", "/operators")
      .setUrlParams(Schema.Struct({ is_active: Schema.optional(Schema.BooleanFromString) }))
      .addSuccess(Schema.Array(Operator))
  )
  .add(
    HttpApiEndpoint.get("get", "/operators/:id")
      .setPath(path)
      .addSuccess(Operator)
      .addError(OperatorNotFound)
  )
  .add(
    HttpApiEndpoint.patch("update", "/operators/:id")
      .setPath(path)
      .setPayload(UpdateOperator)
      .addSuccess(Operator)
      .addError(OperatorNotFound)
      .addError(NameTaken)
  )
  .middleware(Authorization)
{}
