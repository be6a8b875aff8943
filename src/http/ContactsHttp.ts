import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect } from "effect"
import { Contacts } from "../services/Contacts.js"
import { Api } from "./Api.js"
import { committed } from "./WriteOptions.js"

export const ContactsHttp = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  Effect.gen(function* () {
    const contacts = yield* Contacts
    return handlers
      .handle("register", ({ headers, payload }) => contacts.register(payload, headers["idempotency-key"]), committed)
      .handle("list", ({ urlParams }) => contacts.list(urlParams))
      .handle("get", ({ path }) => contacts.get(path.id))
      .handle("update", ({ path, payload }) => contacts.update(path.id, payload), committed)
  })
)
