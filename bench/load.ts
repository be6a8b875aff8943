import autocannon from "autocannon"
import type { Registration } from "./mix.js"

export interface Phase {
  readonly name: string
  readonly method: "GET" | "POST"
  readonly path: string
  /** Makes each POST body; called once per request. */
  readonly body?: () => Registration
}

export interface PhaseResult {
  readonly name: string
  readonly connections: number
  readonly seconds: number
  readonly requests: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** Non-2xx answers plus socket errors and timeouts. */
  readonly errors: number
  /** Resident memory of the server at the end of the phase, MiB (filled in by the caller). */
  readonly rssMiB: number
}

export const registrationPhase = (body: () => Registration): Phase =>
  ({ name: "POST /contacts", method: "POST", path: "/contacts", body })

export const readPhases: ReadonlyArray<Phase> = [
  { name: "GET /operators", method: "GET", path: "/operators" },
  { name: "GET /stats/operators", method: "GET", path: "/stats/operators" },
  { name: "GET /contacts?limit=50", method: "GET", path: "/contacts?limit=50" }
]

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]

/**
 * One autocannon run. Latencies are taken from the per-response event with
 * sub-millisecond precision (autocannon's own histogram keeps whole milliseconds,
 * too coarse to compare two medians of a few ms); only 2xx answers count, as in
 * autocannon's report.
 */
export const runPhase = (
  url: string,
  headers: Readonly<Record<string, string>>,
  phase: Phase,
  options: { readonly connections: number; readonly duration: number }
): Promise<Omit<PhaseResult, "rssMiB">> =>
  new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16)
    let count = 0
    const body = phase.body
    const request: autocannon.Request = {
      method: phase.method,
      path: phase.path,
      headers: body === undefined ? { ...headers } : { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(body()) }) })
    }
    const instance = autocannon(
      { url, connections: options.connections, duration: options.duration, requests: [request] },
      (error: unknown, result: autocannon.Result) => {
        if (error !== null && error !== undefined) return reject(error)
        const sorted = latencies.subarray(0, count).sort()
        resolve({
          name: phase.name,
          connections: options.connections,
          seconds: result.duration,
          requests: result.requests.total,
          rps: result.requests.total / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          max: count === 0 ? Number.NaN : sorted[count - 1],
          errors: result.non2xx + result.errors
        })
      }
    )
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode > 299) return
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[count++] = responseTime
    })
  })
