import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { Contact, type RegisterContact } from "../src/domain/Contact.js"
import { ContactId, LeadId, OperatorId } from "../src/domain/Ids.js"
import { withServer } from "../src/http/Server.js"
import { AppConfig } from "../src/services/AppConfig.js"
import { Contacts } from "../src/services/Contacts.js"
import { NoRegistrar } from "../src/services/Registrar.js"
import { Leads } from "../src/services/Leads.js"
import { Operators } from "../src/services/Operators.js"
import { Sources } from "../src/services/Sources.js"
import { StatsService } from "../src/services/Stats.js"

/**
 * Benchmark tooling only: the service's whole HTTP stack (the same Api, request log,
 * body guards, bearer check, schema decoding and encoding, bundled and configured
 * like the service) with the registration answered from memory instead of the
 * database. What it does per second is the most the service could do on one core
 * if its database work cost nothing.
 */
let next = 0
const register = (input: RegisterContact) =>
  Effect.sync(() => {
    next += 1
    return new Contact({
      id: ContactId.make(next),
      lead_id: LeadId.make(next),
      source_id: input.source_id,
      operator_id: OperatorId.make(1 + (next % 50)),
      is_active: true,
      message: input.message ?? null,
      created_at: new Date().toISOString(),
      closed_at: null
    })
  })

const ContactsInMemory = Layer.succeed(
  Contacts,
  Contacts.make({
    register,
    registerInTransaction: register,
    get: () => Effect.dieMessage("not part of the floor"),
    update: () => Effect.dieMessage("not part of the floor"),
    list: () => Effect.dieMessage("not part of the floor")
  })
)

const ServicesWithContactsInMemory = Layer.mergeAll(
  Operators.Default,
  Sources.Default,
  ContactsInMemory,
  NoRegistrar,
  Leads.Default,
  StatsService.Default
)

const ServerLive = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ host, port }) => NodeHttpServer.layer(createServer, { host, port }))
).pipe(Layer.provide(AppConfig.Default))

withServer(ServerLive, ServicesWithContactsInMemory).pipe(HttpServer.withLogAddress, Layer.launch, (main) =>
  NodeRuntime.runMain(main, { disablePrettyLogger: true }))
