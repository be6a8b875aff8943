import { randomBytes } from "node:crypto"
import { startFlags } from "../bundle.js"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import type { Backend, Store } from "./database.js"
import { type Phase, type PhaseResult, registrationPhase, runPhase } from "./load.js"
import type { Registration } from "./mix.js"
import { progress } from "./report.js"
import { seed, type Seeded } from "./seed.js"
import { killAllServers, logTail, type RunningServer, startServer } from "./server.js"

/** What every run sends: production would set a token, so the bench does too. */
export const token = randomBytes(16).toString("hex")
export const headers = { authorization: `Bearer ${token}` }

/**
 * V8's heap settings of the service: the flags `npm start` gives node (package.json),
 * which the Docker image gives it too (test/e2e/bundle.test.ts holds the two alike).
 * Every Effect server here is started with them.
 */
export const serviceFlags = startFlags()

let started = 0

/**
 * Starts `node <script>` (the built service by default) on a store, configured as in
 * production: an Effect server with the service's heap settings, a plain one without.
 * An Effect server logs its address at INFO only; a plain one always prints it.
 */
export const startOn = (
  backend: Backend,
  store: Store,
  logLevel: string,
  script = "dist/mini-crm.js",
  effectServer = true,
  extraEnv: Readonly<Record<string, string>> = {}
): Promise<RunningServer> => {
  started += 1
  const env = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    // As the Docker image runs it (Dockerfile), every server measured alike.
    MALLOC_ARENA_MAX: "2",
    DATABASE_URL: store.url,
    LOG_LEVEL: logLevel,
    API_TOKEN: token,
    // `REGISTRATION_THREAD=false npm run bench` measures the service on one thread.
    ...(process.env.REGISTRATION_THREAD === undefined ? {} : { REGISTRATION_THREAD: process.env.REGISTRATION_THREAD }),
    ...extraEnv
  }
  const name = script.split("/").pop()?.replace(/\.js$/, "") ?? "server"
  const reportsAddress = !effectServer || ["all", "trace", "debug", "info"].includes(logLevel.toLowerCase())
  return startServer(effectServer ? [...serviceFlags, script] : [script], env, join(backend.dir, `${name}-${started}.log`), reportsAddress)
}

/** A database migrated by the service and seeded through its API, then the service stopped: the template of every run. */
export const seedTemplate = async (
  backend: Backend,
  logLevel: string,
  seedValue: number,
  script?: string
): Promise<{ store: Store; seeded: Seeded }> => {
  progress(`building the seeded template on ${backend.label}`)
  const store = await backend.create("seed")
  const server = await startOn(backend, store, logLevel, script)
  try {
    return { store, seeded: await seed(server.url, headers, seedValue) }
  } finally {
    await server.stop()
  }
}

/**
 * Runs phases one after the other against a running server, reading its
 * resident memory at the end of each; a phase with errors gets the log's tail.
 */
export const measure = async (
  server: RunningServer,
  phases: ReadonlyArray<{ readonly phase: Phase; readonly connections: number; readonly duration: number }>
): Promise<Array<PhaseResult>> => {
  const results: Array<PhaseResult> = []
  for (const { phase, connections, duration } of phases) {
    const result = await runPhase(server.url, headers, phase, { connections, duration })
    results.push({ ...result, rssMiB: server.rssMiB() })
    if (result.errors > 0) progress(`${result.errors} errors in ${phase.name}; server log tail:\n${logTail(server.logFile, 5)}`)
  }
  return results
}

export const machine = () => ({
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? "unknown",
  loadavg_at_start: loadavg().map((l) => Number(l.toFixed(2)))
})

/** Interrupting a bench stops its servers and drops its databases. */
export const cleanupOnSignal = (backend: Backend): void => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping servers, removing temporary databases`)
      killAllServers()
      backend.close().finally(() => process.exit(130))
    })
  }
}

/**
 * One server on a fresh copy of `template`: `warmup` seconds of unmeasured POST
 * /contacts, then `duration` measured, with its resident memory before any request.
 */
export const registrationRun = async (
  backend: Backend,
  template: Store,
  options: { readonly connections: number; readonly duration: number; readonly warmup: number; readonly logLevel: string },
  mix: () => Registration,
  server: { readonly script: string; readonly effectServer?: boolean; readonly env?: Readonly<Record<string, string>> }
): Promise<PhaseResult & { readonly idleMiB: number }> => {
  const store = await backend.clone(template, "run")
  const running = await startOn(backend, store, options.logLevel, server.script, server.effectServer ?? true, server.env ?? {})
  try {
    const idleMiB = running.rssMiB()
    const post = registrationPhase(mix)
    const { connections, duration } = options
    if (options.warmup > 0) await measure(running, [{ phase: post, connections, duration: options.warmup }])
    const [result] = await measure(running, [{ phase: post, connections, duration }])
    return { ...result!, idleMiB }
  } finally {
    await running.stop()
    await backend.drop(store)
  }
}
