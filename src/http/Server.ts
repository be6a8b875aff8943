import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import { Context, Effect, Function, Layer, Option, Scope } from "effect"
import { AppConfig } from "../services/AppConfig.js"
import { Contacts, IdempotencyKeySweep } from "../services/Contacts.js"
import { DatabaseLive } from "../services/Database.js"
import { Leads } from "../services/Leads.js"
import { Operators } from "../services/Operators.js"
import { contactsOnRegistrar, NoRegistrar, Registrar } from "../services/Registrar.js"
import { RuntimeLive } from "../services/Runtime.js"
import { Sources } from "../services/Sources.js"
import { StatsService } from "../services/Stats.js"
import { Api } from "./Api.js"
import { AuthorizationLive } from "./AuthorizationHttp.js"
import { ContactsHttp } from "./ContactsHttp.js"
import { bodyLimit, guards } from "./Middleware.js"
import { requestLog, RequestsLive } from "./RequestLog.js"
import { nodeServer } from "./Shutdown.js"
import { LeadsHttp } from "./LeadsHttp.js"
import { OperatorsHttp } from "./OperatorsHttp.js"
import { SourcesHttp } from "./SourcesHttp.js"
import { HealthHttp, StatsHttp } from "./SystemHttp.js"

const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([OperatorsHttp, SourcesHttp, ContactsHttp, LeadsHttp, StatsHttp, HealthHttp]),
  Layer.provide(AuthorizationLive)
)

/**
 * Whether registrations run on the registrar thread. Unset, they do on a SQLite file,
 * where the thread measured 1.5× the registrations per second of one thread, and do
 * not on PostgreSQL, where it bought nothing measurable (docs/performance.md). An
 * in-memory SQLite database cannot be opened by a second connection: never there.
 */
const onRegistrar = ({ database, registrationThread }: AppConfig) =>
  database._tag === "Sqlite"
    ? database.filename !== ":memory:" && Option.getOrElse(registrationThread, () => true)
    : Option.getOrElse(registrationThread, () => false)

const contactsLive = (registrar: URL | undefined) => {
  const here = Layer.merge(Contacts.Default, NoRegistrar)
  return registrar === undefined ? here : Layer.unwrapEffect(
    Effect.map(AppConfig, (config) => onRegistrar(config) ? contactsOnRegistrar(registrar) : here)
  )
}

/** The services of every route, over the configured database. */
export const servicesLive = (registrar?: URL) =>
  Layer.mergeAll(
    Operators.Default,
    Sources.Default,
    contactsLive(registrar),
    IdempotencyKeySweep,
    Leads.Default,
    StatsService.Default
  )

type Services = Layer.Layer.Success<ReturnType<typeof servicesLive>>

/** GET /docs, built on its first request and kept (Docs.ts). */
const swaggerUi = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const page = yield* Effect.cached(
      Effect.flatMap(Effect.promise(() => import("./Docs.js")), (docs) => Scope.extend(docs.swaggerUi, scope))
    )
    yield* router.get("/docs", Effect.flatten(page))
  })
)

/** Every route, over services provided from outside. */
const routes = HttpApiBuilder.serve(requestLog).pipe(
  // Tracing is off, yet the platform's span middleware still parses every request's
  // URL and copies its headers for a span nobody keeps: it is skipped outright.
  HttpMiddleware.withTracerDisabledWhen(Function.constTrue),
  Layer.provide(HttpApiBuilder.middleware(guards)),
  Layer.provide(swaggerUi),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(ApiLive),
  Layer.provide(bodyLimit),
  Layer.provideMerge(RequestsLive)
)

/** Every route over the given services; tests serve it on a test server. */
export const httpOver = <E, R>(services: Layer.Layer<Services, E, R>) => Layer.provide(routes, services)

/**
 * Runs the service until it is told to stop (SIGTERM, SIGINT), or until its registrar
 * thread stops on its own: then it shuts down as on SIGTERM and exits non-zero.
 */
export const launch = <A, E, R>(service: Layer.Layer<A | Registrar, E, R>) =>
  Effect.scoped(Effect.flatMap(Layer.build(service), (context) => Context.get(context, Registrar).stopped))

/**
 * The whole service on a given HTTP server layer, over the given services (the
 * service's own, or the benchmark's stand-in). Layers are built in order and released
 * in reverse: the database and the services (the registrar thread among them) are
 * ready before the server listens, so no early request waits on a half-started
 * service; on shutdown they are closed only after the server. Draining the server's
 * connections before its routes go is `listening`'s part.
 */
export const withServer = <A, E, R, SE, SR>(server: Layer.Layer<A, E, R>, services: Layer.Layer<Services, SE, SR>) =>
  routes.pipe(
    Layer.provideMerge(server),
    Layer.provideMerge(services),
    Layer.provide(DatabaseLive),
    Layer.provide(RuntimeLive),
    Layer.provide(AppConfig.Default)
  )

/**
 * The service as it runs: on HOST:PORT, with registrations on their own thread where
 * that pays, draining its connections on shutdown before anything else is released.
 */
export const listening = (registrar: URL) => {
  const { listen, drain } = nodeServer()
  return Layer.provideMerge(
    Layer.provide(drain, AppConfig.Default),
    withServer(listen, servicesLive(registrar)).pipe(HttpServer.withLogAddress)
  )
}
