import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Schema } from "effect"
import { ContactId, LeadId, OperatorId, SourceId } from "./Ids.js"

export class OperatorNotFound extends Schema.TaggedError<OperatorNotFound>()(
  "OperatorNotFound",
  { operator_id: OperatorId, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  static of(operator_id: OperatorId) {
    return new OperatorNotFound({ operator_id, message: `operator ${operator_id} does not exist` })
  }
}

export class SourceNotFound extends Schema.TaggedError<SourceNotFound>()(
  "SourceNotFound",
  { source_id: SourceId, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  static of(source_id: SourceId) {
    return new SourceNotFound({ source_id, message: `source ${source_id} does not exist` })
  }
}

export class ContactNotFound extends Schema.TaggedError<ContactNotFound>()(
  "ContactNotFound",
  { contact_id: ContactId, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  static of(contact_id: ContactId) {
    return new ContactNotFound({ contact_id, message: `contact ${contact_id} does not exist` })
  }
}

export class LeadNotFound extends Schema.TaggedError<LeadNotFound>()(
  "LeadNotFound",
  { lead_id: LeadId, message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {
  static of(lead_id: LeadId) {
    return new LeadNotFound({ lead_id, message: `lead ${lead_id} does not exist` })
  }
}

export class NameTaken extends Schema.TaggedError<NameTaken>()(
  "NameTaken",
  { name: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {
  static of(kind: "operator" | "source", name: string) {
    return new NameTaken({ name, message: `${kind === "operator" ? "an operator" : "a source"} named "${name}" already exists` })
  }
}

export class ContactClosed extends Schema.TaggedError<ContactClosed>()(
  "ContactClosed",
  { contact_id: ContactId, message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {
  static of(contact_id: ContactId) {
    return new ContactClosed({ contact_id, message: `contact ${contact_id} is closed and cannot be reopened` })
  }
}

/** A body that is not JSON at all; schema violations are the platform's HttpApiDecodeError. */
export class MalformedBody extends Schema.TaggedError<MalformedBody>()(
  "MalformedBody",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()(
  "RouteNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()(
  "DatabaseUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()(
  "IdempotencyKeyReused",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {}
