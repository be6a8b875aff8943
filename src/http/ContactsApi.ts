import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Schema } from "effect"
import { Contact, ContactFilter, ContactPage, RegisterContact, RegisterHeaders, UpdateContact } from "../domain/Contact.js"
import { ContactClosed, ContactNotFound, IdempotencyKeyReused, SourceNotFound } from "../domain/Errors.js"
import { ContactId, fromString } from "../domain/Ids.js"
import { Authorization } from "./Security.js"

const path = Schema.Struct({ id: fromString(ContactId) })

export class ContactsApi extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.post("register", "/contacts")
      .setPayload(RegisterContact)
      .setHeaders(RegisterHeaders)
      .addSuccess(Contact, { status: 201 })
      .addError(SourceNotFound)
      .addError(IdempotencyKeyReused)
  )
  .add(HttpApiEndpoint.get("list", "/contacts").setUrlParams(ContactFilter).addSuccess(ContactPage))
  .add(
    HttpApiEndpoint.get("get", "/contacts/:id")
      .setPath(path)
      .addSuccess(Contact)
      .addError(ContactNotFound)
  )
  .add(
    HttpApiEndpoint.patch("update", "/contacts/:id")
      .setPath(path)
      .setPayload(UpdateContact)
      .addSuccess(Contact)
      .addError(ContactNotFound)
      .addError(ContactClosed)
  )
  .middleware(Authorization)
{}
