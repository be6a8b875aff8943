import * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import { MalformedBody, RouteNotFound } from "../domain/Errors.js"
import { ContactsApi } from "./ContactsApi.js"
import { LeadsApi } from "./LeadsApi.js"
import { OperatorsApi } from "./OperatorsApi.js"
import { SourcesApi } from "./SourcesApi.js"
import { HealthApi, StatsApi } from "./SystemApi.js"

export class Api extends HttpApi.make("mini-crm")
  .add(OperatorsApi)
  .add(SourcesApi)
  .add(ContactsApi)
  .add(LeadsApi)
  .add(StatsApi)
  .add(HealthApi)
  .addError(MalformedBody)
  .addError(RouteNotFound)
  .annotateContext(
    OpenApi.annotations({
      title: "Mini-CRM",
      version: "0.1.0",
      description: "Distributes incoming contacts among operators by per-source weights within each operator's load limit."
    })
  )
{}
