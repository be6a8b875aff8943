import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, type Scope } from "effect"

const root = fileURLToPath(new URL("../..", import.meta.url))

export interface Replica {
  readonly url: string
  readonly process: ChildProcess
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Effect.Effect<number | string>
}

/**
 * Starts the real service as its own OS process (node running the sources through
 * tsx, so no build step is needed) on a free port, and waits until it listens.
 * The scope's end kills whatever is still running.
 */
export const startReplica = (env: Record<string, string>): Effect.Effect<Replica, Error, Scope.Scope> =>
  Effect.gen(function* () {
    const listening = yield* Deferred.make<string, Error>()
    const exit = yield* Deferred.make<number | string>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
          cwd: root,
          // info: the address the server bound is logged at that level.
          env: { PATH: process.env.PATH ?? "", ...env, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1" },
          stdio: ["ignore", "pipe", "pipe"]
        })),
      (child) => Effect.sync(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"))
    )
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const address = /Listening on (http:\/\/[^"\s]+)/.exec(output)
      if (address?.[1]) Deferred.unsafeDone(listening, Effect.succeed(address[1]))
    })
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("exit", (code, signal) => {
      Deferred.unsafeDone(exit, Effect.succeed(code ?? signal ?? "unknown"))
      Deferred.unsafeDone(listening, Effect.fail(new Error(`server exited before listening:\n${output}`)))
    })
    const url = yield* Deferred.await(listening).pipe(
      Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`server did not start:\n${output}`) })
    )
    return { url, process: child, exited: Deferred.await(exit) }
  })

export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** A JSON request over real HTTP; a refused or reset connection is reported as status 0. */
export const request = (url: string, method: string, body?: unknown): Promise<Reply> =>
  fetch(url, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  }).then(
    async (response) => ({ status: response.status, body: await response.json().catch(() => undefined) }),
    () => ({ status: 0, body: undefined })
  )
