import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { identity } from "effect"
import { Api } from "./http/Api.js"

/**
 * A typed client for the whole API, derived from the same definition as the server.
 * Pass the token when the service runs with API_TOKEN. Needs an HttpClient, such as
 * `FetchHttpClient.layer` from @effect/platform.
 */
export const makeClient = (options: { readonly baseUrl?: string; readonly token?: string } = {}) =>
  HttpApiClient.make(Api, {
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    transformClient: options.token === undefined
      ? identity
      : HttpClient.mapRequest(HttpClientRequest.bearerToken(options.token))
  })
