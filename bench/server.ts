import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"
import { createServer as createNetServer } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"

export interface RunningServer {
  readonly pid: number
  readonly url: string
  readonly logFile: string
  /** Resident memory of the server process in MiB, from /proc/<pid>/status. */
  readonly rssMiB: () => number
  /** SIGTERM, then SIGKILL if it has not exited within the timeout; resolves to the exit code. */
  readonly stop: () => Promise<number | null>
}

const live = new Set<ChildProcess>()

/** A bench that dies or is interrupted must not leave a server holding a port. */
export const killAllServers = (): void => {
  for (const child of live) child.kill("SIGKILL")
  live.clear()
}
process.on("exit", killAllServers)

export const readRssMiB = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  if (match === null) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) / 1024
}

const tail = (file: string, lines = 20): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/** A port that was free a moment ago, for a server that does not report the one it bound. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createNetServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })

const answers = async (url: string): Promise<boolean> => {
  try {
    await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).arrayBuffer()
    return true
  } catch {
    return false
  }
}

/**
 * Starts `node <args>` on 127.0.0.1 with stdout and stderr written to `logFile` (a
 * file, as a production log would be, and no work for the bench process), and
 * resolves once it answers HTTP. With `reportsAddress` it gets PORT=0 and the
 * port is read from its "Listening on http://host:port" line, the only place the
 * service reports the port it bound; that line is an INFO log, so at a quieter
 * LOG_LEVEL the bench picks a free port itself instead.
 */
export const startServer = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  logFile: string,
  reportsAddress: boolean,
  timeoutMs = 60_000
): Promise<RunningServer> => {
  const port = reportsAddress ? 0 : await freePort()
  const fd = openSync(logFile, "w")
  const child = spawn(process.execPath, args, { env: { ...env, HOST: "127.0.0.1", PORT: String(port) }, stdio: ["ignore", fd, fd] })
  closeSync(fd)
  live.add(child)
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child)
      exitCode = code ?? (signal === null ? null : -1)
      resolve(code)
    }))
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start node ${args.join(" ")}`)

  const deadline = Date.now() + timeoutMs
  const address = async (): Promise<string> => {
    let url = reportsAddress ? undefined : `http://127.0.0.1:${port}`
    for (;;) {
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before answering:\n${tail(logFile)}`)
      if (Date.now() > deadline) {
        child.kill("SIGKILL")
        throw new Error(`server did not answer within ${timeoutMs} ms:\n${tail(logFile)}`)
      }
      if (url === undefined) url = /Listening on (http:\/\/[^\s"]+)/.exec(readFileSync(logFile, "utf8"))?.[1]
      if (url !== undefined && await answers(url)) return url
      await sleep(25)
    }
  }
  const url = await address()

  const stop = async (graceMs = 20_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  const rssMiB = () => {
    // A server that crashed under load is reported as such, with what it logged.
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} during the run:\n${tail(logFile)}`)
    return readRssMiB(pid)
  }
  return { pid, url, logFile, rssMiB, stop: () => stop() }
}

/** The log's tail, for error messages. */
export const logTail = tail
