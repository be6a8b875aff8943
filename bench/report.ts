import type { PhaseResult } from "./load.js"

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Per phase name, the median of each figure over the rounds (errors are summed). */
export const medianPhases = (rounds: ReadonlyArray<ReadonlyArray<PhaseResult>>): Array<PhaseResult> => {
  const names = [...new Set(rounds.flatMap((round) => round.map((r) => r.name)))]
  return names.map((name) => {
    const all = rounds.flatMap((round) => round.filter((r) => r.name === name))
    const m = (pick: (r: PhaseResult) => number) => median(all.map(pick))
    return {
      name,
      connections: all[0].connections,
      seconds: m((r) => r.seconds),
      requests: m((r) => r.requests),
      rps: m((r) => r.rps),
      p50: m((r) => r.p50),
      p99: m((r) => r.p99),
      max: m((r) => r.max),
      errors: all.reduce((sum, r) => sum + r.errors, 0),
      rssMiB: m((r) => r.rssMiB)
    }
  })
}

export const fixed = (value: number, digits = 1): string => (Number.isNaN(value) ? "-" : value.toFixed(digits))

/** Rounded for the JSON line: figures, not noise. */
export const rounded = (r: PhaseResult) => ({
  connections: r.connections,
  rps: Math.round(r.rps),
  p50_ms: Number(r.p50.toFixed(2)),
  p99_ms: Number(r.p99.toFixed(2)),
  max_ms: Number(r.max.toFixed(2)),
  errors: r.errors,
  rss_mib: Number(r.rssMiB.toFixed(1)),
  requests: r.requests
})

export const byName = (results: ReadonlyArray<PhaseResult>) =>
  Object.fromEntries(results.map((r) => [r.name, rounded(r)]))

/** A plain text table, numbers right-aligned. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

export const phaseTable = (results: ReadonlyArray<PhaseResult>): string =>
  table(
    ["phase", "conns", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MiB"],
    results.map((r) => [r.name, String(r.connections), fixed(r.rps, 0), fixed(r.p50, 2), fixed(r.p99, 2), fixed(r.max, 1),
      String(r.errors), fixed(r.rssMiB)])
  )

/** Progress goes to stderr, so stdout is the tables and, last, the JSON line. */
export const progress = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}
