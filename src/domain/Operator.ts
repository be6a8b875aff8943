import { Schema } from "effect"
import { MaxLoad, Name, strict, Timestamp } from "./Fields.js"
import { OperatorId } from "./Ids.js"

export class Operator extends Schema.Class<Operator>("Operator")({
  id: OperatorId,
  name: Schema.String,
  is_active: Schema.Boolean,
  max_load: Schema.Int,
  load: Schema.Int.annotations({ description: "Active contacts assigned to the operator, over all sources" }),
  created_at: Timestamp
}) {}

export const CreateOperator = Schema.Struct({
  name: Name,
  max_load: Schema.optional(MaxLoad.annotations({ default: 10 })),
  is_active: Schema.optional(Schema.Boolean.annotations({ default: true }))
}).annotations({ identifier: "CreateOperator", ...strict })
export type CreateOperator = typeof CreateOperator.Type

export const UpdateOperator = Schema.Struct({
  name: Schema.optional(Name),
  max_load: Schema.optional(MaxLoad),
  is_active: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "UpdateOperator", ...strict })
export type UpdateOperator = typeof UpdateOperator.Type
