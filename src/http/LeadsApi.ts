import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Schema } from "effect"
import { LeadNotFound } from "../domain/Errors.js"
import { fromString, LeadId } from "../domain/Ids.js"
import { LeadDetail, LeadFilter, LeadPage } from "../domain/Lead.js"
import { Authorization } from "./Security.js"

export class LeadsApi extends HttpApiGroup.make("leads")
  .add(HttpApiEndpoint.get("list", "/leads").setUrlParams(LeadFilter).addSuccess(LeadPage))
  .add(
    HttpApiEndpoint.get("get", "/leads/:id")
      .setPath(Schema.Struct({ id: fromString(LeadId) }))
      .addSuccess(LeadDetail)
      .addError(LeadNotFound)
  )
  .middleware(Authorization)
{}
