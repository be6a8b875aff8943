import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import ts from "typescript"
import { bundle } from "../bundle.js"

/**
 * The plain server runs as plain JavaScript, like the built service: under the
 * tsx loader it would carry ~50 MiB of loader in its RSS. It goes to dist/bench,
 * next to dist/src, where `better-sqlite3` resolves from node_modules.
 */
export const emitPlainServer = (): string => {
  mkdirSync("dist/bench", { recursive: true })
  for (const name of ["plain-server", "registration"]) {
    const source = readFileSync(`bench/${name}.ts`, "utf8")
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
    })
    writeFileSync(`dist/bench/${name}.js`, outputText)
  }
  return "dist/bench/plain-server.js"
}

/** (c) is bundled like the service, so the two differ only in the registration. */
export const bundleHttpFloor = async (): Promise<string> => {
  await bundle("http-floor", "bench/http-floor.ts", "dist/bench")
  return "dist/bench/http-floor.js"
}
