import { Schema } from "effect"
import { Description, Name, strict, Timestamp, WeightValue } from "./Fields.js"
import { OperatorId, SourceId } from "./Ids.js"

const sourceFields = {
  id: SourceId,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  created_at: Timestamp
}

export class Source extends Schema.Class<Source>("Source")(sourceFields) {}

export class Weight extends Schema.Class<Weight>("Weight")({
  operator_id: OperatorId,
  operator_name: Schema.String,
  weight: Schema.Int
}) {}

export class SourceDetail extends Schema.Class<SourceDetail>("SourceDetail")({
  ...sourceFields,
  operators: Schema.Array(Weight)
}) {}

export const CreateSource = Schema.Struct({
  name: Name,
  description: Schema.optional(Schema.NullOr(Description))
}).annotations({ identifier: "CreateSource", ...strict })
export type CreateSource = typeof CreateSource.Type

const WeightEntry = Schema.Struct({ operator_id: OperatorId, weight: WeightValue }).annotations({
  identifier: "WeightEntry",
  ...strict
})

export const SetWeights = Schema.Struct({
  weights: Schema.Array(WeightEntry).pipe(
    Schema.maxItems(10_000),
    Schema.filter((entries) => {
      const seen = new Set<number>()
      for (const { operator_id } of entries) {
        if (seen.has(operator_id)) return `operator_id ${operator_id} appears more than once`
        seen.add(operator_id)
      }
      return true
    })
  )
}).annotations({
  identifier: "SetWeights",
  description: "weight 0 removes the operator from the source",
  ...strict
})
export type SetWeights = typeof SetWeights.Type
