import { Schema } from "effect"
import { OperatorId, SourceId } from "./Ids.js"

export class OperatorSourceStats extends Schema.Class<OperatorSourceStats>("OperatorSourceStats")({
  source_id: SourceId,
  source_name: Schema.String,
  weight: Schema.Int.annotations({ description: "0 when the operator no longer has a weight for the source" }),
  active: Schema.Int,
  total: Schema.Int
}) {}

export class OperatorStats extends Schema.Class<OperatorStats>("OperatorStats")({
  operator_id: OperatorId,
  name: Schema.String,
  is_active: Schema.Boolean,
  max_load: Schema.Int,
  load: Schema.Int,
  total: Schema.Int,
  sources: Schema.Array(OperatorSourceStats)
}) {}

export class SourceCount extends Schema.Class<SourceCount>("SourceCount")({
  source_id: SourceId,
  source_name: Schema.String,
  active: Schema.Int,
  total: Schema.Int
}) {}

export class Stats extends Schema.Class<Stats>("Stats")({
  operators: Schema.Array(OperatorStats),
  unassigned: Schema.Array(SourceCount).annotations({ description: "Contacts nobody was available for, per source" })
}) {}

export class Health extends Schema.Class<Health>("Health")({ status: Schema.Literal("ok") }) {}
