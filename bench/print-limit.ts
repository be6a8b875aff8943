import type { PhaseResult } from "./load.js"
import type { LimitOptions } from "./options.js"
import { fixed, median, rounded, table } from "./report.js"
import type { Seeded } from "./seed.js"

export interface ServerRun extends PhaseResult {
  /** RSS right after start, before any request. */
  readonly idleMiB: number
}

export interface Round {
  readonly round: number
  readonly order: string
  readonly direct: { readonly registrations: number; readonly perSecond: number; readonly microseconds: number } | undefined
  readonly service: ServerRun
  readonly plain: ServerRun
  readonly floor: ServerRun
  readonly single: ServerRun
}

interface LimitReport {
  readonly options: LimitOptions
  readonly machine: Record<string, unknown>
  readonly seeded: Seeded
  readonly rounds: ReadonlyArray<Round>
}

type Server = "plain" | "floor" | "single" | "service"

const LABELS: Record<Server, string> = {
  plain: "(b) plain node:http + better-sqlite3",
  floor: "(c) the service's HTTP stack, no database",
  single: "(d) the service on one thread",
  service: "the service"
}

const serverJson = (run: ServerRun) => ({ ...rounded(run), idle_rss_mib: Number(run.idleMiB.toFixed(1)) })

export const printLimit = ({ options, machine, seeded, rounds }: LimitReport): void => {
  const m = (pick: (r: Round) => number | undefined) => median(rounds.map((r) => pick(r) ?? Number.NaN))
  const medianOf = (server: Server) => ({
    rps: m((r) => r[server].rps),
    p50: m((r) => r[server].p50),
    p99: m((r) => r[server].p99),
    rss: m((r) => r[server].rssMiB),
    idle: m((r) => r[server].idleMiB),
    errors: rounds.reduce((sum, r) => sum + r[server].errors, 0)
  })
  const med = { plain: medianOf("plain"), floor: medianOf("floor"), single: medianOf("single"), service: medianOf("service") }
  const direct = { perSecond: m((r) => r.direct?.perSecond), micros: m((r) => r.direct?.microseconds) }
  const servers: ReadonlyArray<Server> = ["plain", "floor", "single", "service"]
  const out = [
    `Mini-CRM limits: sqlite (temporary files, WAL, the service's pragmas); ${seeded.operatorIds.length} operators, ${seeded.sourceIds.length} sources, ${seeded.weights} weights`,
    `(a) the registration transaction in a loop on better-sqlite3, ${options.direct} s per round, no HTTP: ` +
      `${fixed(direct.perSecond, 0)} registrations/s, ${fixed(direct.micros, 1)} us each (median of ${rounds.length})`,
    `POST /contacts at ${options.connections} connections, ${options.duration} s after ${options.warmup} s warm-up, ` +
      `${Math.round(options.repeatShare * 100)}% repeats, LOG_LEVEL=${options.logLevel}, the four servers alternating; medians of ${rounds.length} rounds:`,
    "",
    table(
      ["server", "req/s", "p50 ms", "p99 ms", "RSS MiB end", "RSS MiB idle", "errors", "x plain"],
      servers.map((s) => [
        LABELS[s], fixed(med[s].rps, 0), fixed(med[s].p50, 2), fixed(med[s].p99, 2), fixed(med[s].rss), fixed(med[s].idle),
        String(med[s].errors), fixed(med[s].rps / med.plain.rps, 2)
      ])
    ),
    "",
    table(
      ["round", "order", "(a) reg/s", "plain req/s", "floor req/s", "one thread req/s", "service req/s", "service/plain"],
      rounds.map((r) => [
        String(r.round), r.order, fixed(r.direct?.perSecond ?? Number.NaN, 0), fixed(r.plain.rps, 0), fixed(r.floor.rps, 0),
        fixed(r.single.rps, 0), fixed(r.service.rps, 0), fixed(r.service.rps / r.plain.rps, 2)
      ])
    ),
    "",
    `service/plain registrations/s: ${(med.service.rps / med.plain.rps).toFixed(2)}; ` +
      `the HTTP stack alone/plain: ${(med.floor.rps / med.plain.rps).toFixed(2)}; service/HTTP stack alone: ${(med.service.rps / med.floor.rps).toFixed(2)}; ` +
      `service/one thread: ${(med.service.rps / med.single.rps).toFixed(2)}`
  ]
  process.stdout.write(`${out.join("\n")}\n`)
  const medianJson = (s: Server) => ({
    rps: Math.round(med[s].rps),
    p50_ms: Number(med[s].p50.toFixed(2)),
    p99_ms: Number(med[s].p99.toFixed(2)),
    rss_mib: Number(med[s].rss.toFixed(1)),
    errors: med[s].errors
  })
  process.stdout.write(`${JSON.stringify({
    bench: "mini-crm-limit",
    connections: options.connections,
    duration_s: options.duration,
    warmup_s: options.warmup,
    direct_s: options.direct,
    log_level: options.logLevel,
    machine,
    rounds: rounds.map((r) => ({
      round: r.round,
      order: r.order,
      direct: r.direct === undefined ? null : { per_s: Math.round(r.direct.perSecond), us_per_registration: Number(r.direct.microseconds.toFixed(1)) },
      service: serverJson(r.service),
      plain: serverJson(r.plain),
      http_floor: serverJson(r.floor),
      one_thread: serverJson(r.single)
    })),
    median: {
      direct_per_s: Math.round(direct.perSecond),
      direct_us_per_registration: Number(direct.micros.toFixed(1)),
      service: medianJson("service"),
      plain: medianJson("plain"),
      http_floor: medianJson("floor"),
      one_thread: medianJson("single"),
      service_over_plain_rps: Number((med.service.rps / med.plain.rps).toFixed(3)),
      http_floor_over_plain_rps: Number((med.floor.rps / med.plain.rps).toFixed(3)),
      service_over_one_thread_rps: Number((med.service.rps / med.single.rps).toFixed(3))
    }
  })}\n`)
}
