import * as HttpApiSwagger from "@effect/platform/HttpApiSwagger"
import * as HttpLayerRouter from "@effect/platform/HttpLayerRouter"
import { Api } from "./Api.js"

/**
 * The Swagger UI page of /docs as the platform builds it from the API. The page carries
 * the whole Swagger UI script (1.7 million characters), which otherwise sits in every
 * process from its start, so the service imports this module on the first request for
 * /docs only (Server.ts).
 */
export const swaggerUi = HttpLayerRouter.toHttpEffect(HttpApiSwagger.layerHttpLayerRouter({ api: Api, path: "/docs" }))
