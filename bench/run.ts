import { makeBackend, type Store } from "./database.js"
import { type HistoryLoad, verifyCounters } from "./history.js"
import { loadPostgresHistory } from "./history-postgres.js"
import { loadSqliteHistory } from "./history-sqlite.js"
import { readPhases, registrationPhase, type PhaseResult } from "./load.js"
import { makeMix } from "./mix.js"
import { benchOptions } from "./options.js"
import { printBench } from "./print-bench.js"
import { progress } from "./report.js"
import { logTail } from "./server.js"
import { cleanupOnSignal, machine, measure, seedTemplate, startOn } from "./service.js"

// `npm run bench`: the built service on a fresh database, seeded over HTTP, then
// loaded phase by phase with autocannon. See options.ts for the flags.
const options = benchOptions()
const backend = makeBackend(options.database)
cleanupOnSignal(backend)
const machineInfo = machine()

const historySize = options.compareHistory > 0 ? options.compareHistory : options.history

const makeHistory = async (from: Store): Promise<{ store: Store; load: HistoryLoad; verified: boolean | null }> => {
  const store = await backend.clone(from, "history")
  progress(`bulk-loading ${historySize} contacts and ${Math.floor(historySize / 10)} leads`)
  const load = store.kind === "sqlite"
    ? loadSqliteHistory(store.location, historySize)
    : await loadPostgresHistory(store.url, historySize)
  progress(`loaded ${load.contacts} contacts (${load.active} active), ${load.leads} leads in ${load.seconds.toFixed(1)} s`)
  if (!options.verify) return { store, load, verified: null }
  const check = verifyCounters(store.url)
  progress(`counters ${check.ok ? "agree with the contacts" : "DISAGREE"} (dist/src/reconcile.js, ${check.seconds.toFixed(1)} s)`)
  if (!check.ok) throw new Error(`the bulk load left inconsistent counters:\n${check.output}`)
  return { store, load, verified: true }
}

/** One measurement: a fresh copy of the template, a fresh service process, every phase. */
const measureOn = async (template: Store, label: string, round: number): Promise<Array<PhaseResult>> => {
  const store = await backend.clone(template, "run")
  const server = await startOn(backend, store, options.logLevel)
  progress(`round ${round}, ${label}: service pid ${server.pid} on ${server.url}`)
  try {
    const body = makeMix({ sourceIds: seeded.sourceIds, repeatShare: options.repeatShare, seed: options.seed + round, prefix: `bench-r${round}` })
    const post = registrationPhase(body)
    const { connections, duration } = options
    const idle: PhaseResult = { name: "idle after start", connections: 0, seconds: 0, requests: 0, rps: Number.NaN,
      p50: Number.NaN, p99: Number.NaN, max: Number.NaN, errors: 0, rssMiB: server.rssMiB() }
    // Every phase is warmed up on its own endpoint: the first requests of a route run
    // cold code (schema parsers built on first use, the JIT), which is not its steady state.
    const results: Array<PhaseResult> = []
    for (const phase of [post, ...readPhases]) {
      if (options.warmup > 0) await measure(server, [{ phase: { ...phase, name: "warm-up" }, connections, duration: options.warmup }])
      results.push(...await measure(server, [{ phase, connections, duration }]))
    }
    if (options.probe === 0) return [idle, ...results]
    const stats = readPhases.find((p) => p.path === "/stats/operators") ?? readPhases[0]
    const probes = await measure(server, [post, stats].map((phase) =>
      ({ phase: { ...phase, name: `${phase.name} (1 conn)` }, connections: 1, duration: options.probe })))
    return [idle, ...results, ...probes]
  } finally {
    const code = await server.stop()
    if (code !== 0) progress(`the service exited with ${code}; log tail:\n${logTail(server.logFile, 10)}`)
    await backend.drop(store)
  }
}

const { store: seedStore, seeded } = await seedTemplate(backend, options.logLevel, options.seed).catch(async (error) => {
  await backend.close()
  throw error
})

try {
  const history = historySize > 0 ? await makeHistory(seedStore) : undefined
  const variants = options.compareHistory > 0 && history !== undefined
    ? [{ label: "empty", store: seedStore }, { label: "history", store: history.store }]
    : [{ label: history === undefined ? "empty" : "history", store: history?.store ?? seedStore }]
  const results = new Map<string, Array<Array<PhaseResult>>>(variants.map((v) => [v.label, []]))
  for (let round = 1; round <= options.rounds; round++) {
    // Alternating the order spreads any drift of the machine over both variants.
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      results.get(variant.label)?.push(await measureOn(variant.store, variant.label, round))
    }
  }
  printBench({ options, machine: machineInfo, database: backend.label, seeded, history: history?.load, verified: history?.verified ?? null, results })
} finally {
  await backend.close()
}
