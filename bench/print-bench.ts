import type { HistoryLoad } from "./history.js"
import type { PhaseResult } from "./load.js"
import type { BenchOptions } from "./options.js"
import { byName, fixed, medianPhases, phaseTable, table } from "./report.js"
import type { Seeded } from "./seed.js"

interface BenchReport {
  readonly options: BenchOptions
  readonly machine: Record<string, unknown>
  readonly database: string
  readonly seeded: Seeded
  readonly history: HistoryLoad | undefined
  readonly verified: boolean | null
  readonly results: ReadonlyMap<string, ReadonlyArray<ReadonlyArray<PhaseResult>>>
}

const POST = "POST /contacts"
const STATS = "GET /stats/operators"
const find = (results: ReadonlyArray<PhaseResult>, name: string) => results.find((r) => r.name === name)

const ratioLine = (what: string, history: PhaseResult, empty: PhaseResult, size: number) => {
  const ratio = history.p50 / empty.p50
  return {
    ratio,
    line: `${what}: median latency ${fixed(history.p50, 2)} ms at ${size} contacts vs ${fixed(empty.p50, 2)} ms empty = ` +
      `${ratio.toFixed(2)}x (target <= 1.3x): ${ratio <= 1.3 ? "PASS" : "FAIL"}`
  }
}

/**
 * The issue's two targets, on medians over the rounds. Under 32 connections a
 * latency is mostly queueing (connections / throughput), so the stats target is
 * judged on requests alone (the 1-connection probe) and the loaded figure shown
 * beside it; the registration ratio is judged both ways.
 */
const verdicts = (empty: ReadonlyArray<PhaseResult>, history: ReadonlyArray<PhaseResult>, size: number, connections: number) => {
  const lines: Array<string> = []
  const json: Record<string, unknown> = {}
  for (const [name, label, key] of [[POST, `POST /contacts at ${connections} connections`, "post_contacts_p50_ratio"],
    [`${POST} (1 conn)`, "POST /contacts alone (1 connection)", "post_contacts_alone_p50_ratio"]] as const) {
    const [e, h] = [find(empty, name), find(history, name)]
    if (e === undefined || h === undefined) continue
    const { ratio, line } = ratioLine(label, h, e, size)
    json[key] = Number(ratio.toFixed(3))
    lines.push(line)
  }
  const [postEmpty, postHistory] = [find(empty, POST), find(history, POST)]
  if (postEmpty !== undefined && postHistory !== undefined) json.post_contacts_rps_ratio = Number((postHistory.rps / postEmpty.rps).toFixed(3))
  const [loaded, loadedEmpty, alone] = [find(history, STATS), find(empty, STATS), find(history, `${STATS} (1 conn)`)]
  if (loaded !== undefined) json.stats_p50_ms_loaded = Number(loaded.p50.toFixed(2))
  if (loaded !== undefined && loadedEmpty !== undefined) json.stats_p50_ratio_loaded = Number((loaded.p50 / loadedEmpty.p50).toFixed(3))
  if (alone !== undefined) {
    json.stats_p50_ms_alone = Number(alone.p50.toFixed(2))
    json.stats_p99_ms_alone = Number(alone.p99.toFixed(2))
    lines.push(`GET /stats/operators alone at ${size} contacts: p50 ${fixed(alone.p50, 2)} ms, p99 ${fixed(alone.p99, 2)} ms ` +
      `(target <= 50 ms): ${alone.p99 <= 50 ? "PASS" : "FAIL"}`)
  }
  if (loaded !== undefined && loadedEmpty !== undefined) {
    lines.push(`GET /stats/operators under ${loaded.connections} connections: p50 ${fixed(loaded.p50, 2)} ms at ${size} contacts vs ` +
      `${fixed(loadedEmpty.p50, 2)} ms empty (${fixed(loaded.rps, 0)} vs ${fixed(loadedEmpty.rps, 0)} req/s)`)
  }
  return { lines, json }
}

export const printBench = (report: BenchReport): void => {
  const { options, history } = report
  const medians = new Map([...report.results].map(([label, rounds]) => [label, medianPhases(rounds)]))
  const out: Array<string> = []
  out.push(`Mini-CRM bench: ${report.database}; ${report.seeded.operatorIds.length} operators, ${report.seeded.sourceIds.length} sources, ${report.seeded.weights} weights`)
  out.push(`${options.connections} connections, ${options.duration} s per phase, ${options.warmup} s warm-up per phase, LOG_LEVEL=${options.logLevel}, ${Math.round(options.repeatShare * 100)}% repeats, ${options.rounds} round(s)${options.rounds > 1 ? ", medians" : ""}`)
  if (history !== undefined) {
    out.push(`history: ${history.contacts} contacts (${history.active} active), ${history.leads} leads, bulk-loaded in ${history.seconds.toFixed(1)} s` +
      (report.verified === true ? ", counters verified" : ""))
  }
  for (const [label, results] of medians) {
    out.push("", `${label}${label === "history" && history !== undefined ? ` (${history.contacts} contacts)` : ""}:`, phaseTable(results))
    const rounds = report.results.get(label) ?? []
    if (rounds.length > 1) {
      rounds.forEach((round, i) => out.push(`  round ${i + 1}: ${round.filter((r) => r.connections > 0)
        .map((r) => `${r.name} ${fixed(r.rps, 0)}/s p50 ${fixed(r.p50, 2)}`).join("; ")}`))
    }
  }
  const empty = medians.get("empty")
  const loaded = medians.get("history")
  let comparison: Record<string, unknown> | undefined
  if (empty !== undefined && loaded !== undefined && history !== undefined) {
    out.push("", "empty vs history (medians):", table(
      ["phase", "req/s empty", "req/s hist", "p50 empty", "p50 hist", "p50 x", "p99 empty", "p99 hist", "RSS empty", "RSS hist"],
      empty.map((e) => {
        const h = find(loaded, e.name)
        return [e.name, fixed(e.rps, 0), fixed(h?.rps ?? Number.NaN, 0), fixed(e.p50, 2), fixed(h?.p50 ?? Number.NaN, 2),
          fixed((h?.p50 ?? Number.NaN) / e.p50, 2), fixed(e.p99, 2), fixed(h?.p99 ?? Number.NaN, 2), fixed(e.rssMiB), fixed(h?.rssMiB ?? Number.NaN)]
      })
    ))
    const v = verdicts(empty, loaded, history.contacts, options.connections)
    out.push("", ...v.lines)
    comparison = v.json
  }
  process.stdout.write(`${out.join("\n")}\n`)
  process.stdout.write(`${JSON.stringify({
    bench: "mini-crm",
    database: options.database.startsWith("sqlite") ? "sqlite" : "postgres",
    connections: options.connections,
    duration_s: options.duration,
    warmup_s: options.warmup,
    rounds: options.rounds,
    log_level: options.logLevel,
    repeats: options.repeatShare,
    machine: report.machine,
    history: history === undefined ? null : { contacts: history.contacts, leads: history.leads, active: history.active, load_s: Number(history.seconds.toFixed(2)), verified: report.verified },
    results: Object.fromEntries([...medians].map(([label, results]) => [label, byName(results)])),
    ...(comparison === undefined ? {} : { comparison })
  })}\n`)
}
