import { HttpApiClient } from "@effect/platform"
import { Api } from "./http/Api.js"

/** A typed client for the whole API, derived from the same definition as the server. */
export const makeClient = (baseUrl: string) => HttpApiClient.make(Api, { baseUrl })
