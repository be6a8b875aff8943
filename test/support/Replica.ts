import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, Schedule, Schema, type Scope } from "effect"

const root = fileURLToPath(new URL("../..", import.meta.url))

export interface Replica {
  readonly url: string
  readonly process: ChildProcess
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Effect.Effect<number | string>
  /** Everything the process wrote to stdout and stderr so far. */
  readonly output: () => string
}

const freePort = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.listen(0, "127.0.0.1", () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(Effect.succeed(port)))
  })
})

/**
 * Starts the real service as its own OS process on a free port, and waits until
 * /health answers: node running the sources through tsx unless given other arguments,
 * so no build step is needed. The scope's end kills whatever is still running.
 */
export const startReplica = (
  env: Record<string, string>,
  nodeArgs: ReadonlyArray<string> = ["--import", "tsx", "src/main.ts"]
): Effect.Effect<Replica, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const port = yield* freePort
    const url = `http://127.0.0.1:${port}`
    const exit = yield* Deferred.make<number | string>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, nodeArgs, {
          cwd: root,
          env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env, PORT: String(port), HOST: "127.0.0.1" },
          stdio: ["ignore", "pipe", "pipe"]
        })),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("exit", (code, signal) => Deferred.unsafeDone(exit, Effect.succeed(code ?? signal ?? "unknown")))
    const ready = Effect.tryPromise(() => fetch(`${url}/health`)).pipe(
      Effect.filterOrFail((response) => response.ok),
      Effect.retry({
        schedule: Schedule.spaced("50 millis"),
        while: () => child.exitCode === null && child.signalCode === null
      }),
      Effect.timeout("30 seconds"),
      Effect.mapError(() => new Error(`server did not start:\n${output}`))
    )
    yield* ready
    return { url, process: child, exited: Deferred.await(exit), output: () => output }
  })

export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** A JSON request over real HTTP; a refused or reset connection is reported as status 0. */
export const request = (url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  fetch(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  }).then(
    async (response) => ({ status: response.status, body: await response.json().catch(() => undefined) }),
    () => ({ status: 0, body: undefined })
  )

/** One operator (max_load 1,000) behind one source, through the API: returns the source's id. */
export const oneSource = (url: string) =>
  Effect.promise(async () => {
    const operator = await request(`${url}/operators`, "POST", { name: "night shift", max_load: 1_000 })
    const source = await request(`${url}/sources`, "POST", { name: "web form" })
    const ids = [operator, source].map((reply) => Schema.decodeUnknownSync(Schema.Struct({ id: Schema.Number }))(reply.body).id)
    await request(`${url}/sources/${ids[1]}/operators`, "PUT", { weights: [{ operator_id: ids[0], weight: 1 }] })
    return ids[1]!
  })
