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
}

interface LimitReport {
  readonly options: LimitOptions
  readonly machine: Record<string, unknown>
  readonly seeded: Seeded
  readonly rounds: ReadonlyArray<Round>
}

const serverJson = (run: ServerRun) => ({ ...rounded(run), idle_rss_mib: Number(run.idleMiB.toFixed(1)) })

export const printLimit = ({ options, machine, seeded, rounds }: LimitReport): void => {
  const m = (pick: (r: Round) => number | undefined) => median(rounds.map((r) => pick(r) ?? Number.NaN))
  const med = {
    directPerSecond: m((r) => r.direct?.perSecond),
    directMicros: m((r) => r.direct?.microseconds),
    service: { rps: m((r) => r.service.rps), p50: m((r) => r.service.p50), p99: m((r) => r.service.p99), rss: m((r) => r.service.rssMiB) },
    plain: { rps: m((r) => r.plain.rps), p50: m((r) => r.plain.p50), p99: m((r) => r.plain.p99), rss: m((r) => r.plain.rssMiB) }
  }
  const ratio = med.service.rps / med.plain.rps
  const row = (label: string, d: number, us: number, s: typeof med.service, p: typeof med.plain, r: number) =>
    [label, fixed(d, 0), fixed(us, 1), fixed(s.rps, 0), fixed(s.p50, 2), fixed(s.p99, 2), fixed(s.rss), fixed(p.rps, 0), fixed(p.p50, 2), fixed(p.p99, 2), fixed(p.rss), fixed(r, 2)]
  const out = [
    `Mini-CRM limits: sqlite (temporary files, WAL, the service's pragmas); ${seeded.operatorIds.length} operators, ${seeded.sourceIds.length} sources, ${seeded.weights} weights`,
    `(a) the registration transaction in a loop on better-sqlite3, ${options.direct} s per round, no HTTP`,
    `(b) POST /contacts at ${options.connections} connections, ${options.duration} s after ${options.warmup} s warm-up, ${Math.round(options.repeatShare * 100)}% repeats, LOG_LEVEL=${options.logLevel}: the service vs bench/plain-server.ts (node:http + better-sqlite3), alternating`,
    "",
    table(
      ["round", "(a) reg/s", "(a) us/reg", "service req/s", "p50 ms", "p99 ms", "RSS MiB", "plain req/s", "p50 ms", "p99 ms", "RSS MiB", "service/plain"],
      [
        ...rounds.map((r) => row(`${r.round} (${r.order.split(" ")[0]} first)`, r.direct?.perSecond ?? Number.NaN, r.direct?.microseconds ?? Number.NaN,
          { rps: r.service.rps, p50: r.service.p50, p99: r.service.p99, rss: r.service.rssMiB },
          { rps: r.plain.rps, p50: r.plain.p50, p99: r.plain.p99, rss: r.plain.rssMiB }, r.service.rps / r.plain.rps)),
        row("median", med.directPerSecond, med.directMicros, med.service, med.plain, ratio)
      ]
    ),
    "",
    `service/plain registrations/s: ${ratio.toFixed(2)} (median ${fixed(med.service.rps, 0)} vs ${fixed(med.plain.rps, 0)}); ` +
      `service vs direct transaction: ${(med.service.rps / med.directPerSecond).toFixed(2)}; errors: service ${rounds.reduce((s, r) => s + r.service.errors, 0)}, plain ${rounds.reduce((s, r) => s + r.plain.errors, 0)}`
  ]
  process.stdout.write(`${out.join("\n")}\n`)
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
      plain: serverJson(r.plain)
    })),
    median: {
      direct_per_s: Math.round(med.directPerSecond),
      direct_us_per_registration: Number(med.directMicros.toFixed(1)),
      service: { rps: Math.round(med.service.rps), p50_ms: Number(med.service.p50.toFixed(2)), p99_ms: Number(med.service.p99.toFixed(2)), rss_mib: Number(med.service.rss.toFixed(1)) },
      plain: { rps: Math.round(med.plain.rps), p50_ms: Number(med.plain.p50.toFixed(2)), p99_ms: Number(med.plain.p99.toFixed(2)), rss_mib: Number(med.plain.rss.toFixed(1)) },
      service_over_plain_rps: Number(ratio.toFixed(3))
    }
  })}\n`)
}
