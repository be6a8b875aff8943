import { spawnSync } from "node:child_process"

/**
 * The shape of the bulk-loaded history, shared by the SQLite and PostgreSQL
 * loaders so both build the same rows. Contact g (1-based, of N):
 * - lead ((g - 1) mod L) + 1 of L = N/10 leads, so every lead has about 10 contacts;
 * - source and operator from a multiplicative hash of g: a uniformly chosen
 *   source, then one of its operators with probability weight / sum of weights;
 * - unassigned when g mod 200 = 7; active when g mod 50 = 0 (2%), unless its
 *   operator would then hold more than max_load (earlier contacts keep the slots);
 * - created over the past year in id order; closed 30 minutes after creation.
 * The counters (operators.load, contact_counts, leads.contacts_count) are added
 * exactly, in the same transaction.
 */
export const HISTORY = {
  hashMultiplier: 2_654_435_761,
  unassignedModulo: 200,
  unassignedRemainder: 7,
  activeModulo: 50,
  year: 365 * 24 * 3_600_000,
  closedAfter: 30 * 60_000
} as const

export const leadsFor = (contacts: number): number => Math.max(1, Math.floor(contacts / 10))

/** Milliseconds between two history contacts, and the time of the first. */
export const timeline = (contacts: number) => {
  const step = Math.max(1, Math.floor(HISTORY.year / Math.max(1, contacts)))
  const start = Date.now() - HISTORY.year - step
  return { start, step }
}

export const historyExternalId = (lead: number): string => `history-${lead}@example.com`

export const historyMessage = (g: number): string | null => (g % 4 === 0 ? null : `Order question #${g % 10_000}`)

export interface HistoryLoad {
  readonly contacts: number
  readonly leads: number
  readonly active: number
  readonly seconds: number
}

/**
 * Runs the service's own reconciliation (dist/src/reconcile.js) against the
 * loaded database: it recounts every counter from the contacts table.
 */
export const verifyCounters = (databaseUrl: string): { readonly ok: boolean; readonly output: string; readonly seconds: number } => {
  const started = performance.now()
  const result = spawnSync(process.execPath, ["dist/src/reconcile.js"], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  const output = `${result.stdout}${result.stderr}`.trim()
  return {
    ok: result.status === 0 && output.includes("counters agree"),
    output: output.split("\n").slice(-10).join("\n"),
    seconds: (performance.now() - started) / 1000
  }
}
