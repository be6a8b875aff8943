import { parseArgs } from "node:util"

/** Options shared by `npm run bench` and `npm run bench:limit`. */
export interface CommonOptions {
  readonly connections: number
  readonly duration: number
  readonly warmup: number
  readonly rounds: number
  readonly logLevel: string
  readonly seed: number
  readonly repeatShare: number
}

export interface BenchOptions extends CommonOptions {
  readonly database: string
  readonly history: number
  readonly compareHistory: number
  readonly probe: number
  readonly verify: boolean
}

export interface LimitOptions extends CommonOptions {
  readonly direct: number
}

const common = {
  connections: { type: "string", default: "32" },
  duration: { type: "string", default: "10" },
  warmup: { type: "string", default: "2" },
  "log-level": { type: "string", default: "info" },
  seed: { type: "string", default: "42" },
  repeats: { type: "string", default: "0.2" },
  help: { type: "boolean", default: false }
} as const

const number = (name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  const value = Number(text.replace(/_/g, ""))
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got "${text}"`)
  }
  return value
}

interface CommonValues {
  readonly connections: string
  readonly duration: string
  readonly warmup: string
  readonly "log-level": string
  readonly seed: string
  readonly repeats: string
  readonly help: boolean
}

const commonFrom = (values: CommonValues, usage: string): CommonOptions => {
  if (values.help) {
    process.stdout.write(usage)
    process.exit(0)
  }
  return {
    connections: number("connections", values.connections, 1, 10_000),
    duration: number("duration", values.duration, 0.5),
    warmup: number("warmup", values.warmup, 0),
    rounds: 1,
    logLevel: values["log-level"],
    seed: number("seed", values.seed, 0, 2 ** 32 - 1),
    repeatShare: number("repeats", values.repeats, 0, 1)
  }
}

const BENCH_USAGE = `npm run bench -- [options]
  --connections N          concurrent connections per phase (32)
  --duration S             seconds per measured phase (10)
  --warmup S               seconds of unmeasured load on each endpoint before its measured phase (2)
  --database D             sqlite (default) or a PostgreSQL URL; a fresh database is made through it
  --history N              bulk-load N contacts and N/10 leads before measuring
  --compare-history N      measure an empty database and one with N contacts, same run
  --rounds R               repeat everything R times and report medians (1; 3 with --compare-history,
                           the order of empty and history alternating from round to round)
  --probe S                seconds of single-connection latency probes (default 3 with --compare-history, else 0)
  --no-verify              skip the counter check (dist/src/reconcile.js) after a bulk load
  --log-level L            LOG_LEVEL of the service (info, as in production)
  --repeats F              share of registrations that reuse an earlier external_id (0.2)
  --seed N                 seed of the set-up and of the request mix (42)
`

export const benchOptions = (): BenchOptions => {
  const { values } = parseArgs({
    options: {
      ...common,
      database: { type: "string", default: "sqlite" },
      history: { type: "string", default: "0" },
      "compare-history": { type: "string", default: "0" },
      rounds: { type: "string" },
      probe: { type: "string" },
      "no-verify": { type: "boolean", default: false }
    }
  })
  const commonOptions = commonFrom(values, BENCH_USAGE)
  const compareHistory = number("compare-history", values["compare-history"], 0)
  const history = number("history", values.history, 0)
  if (compareHistory > 0 && history > 0) throw new Error("use either --history or --compare-history, not both")
  return {
    ...commonOptions,
    rounds: number("rounds", values.rounds ?? (compareHistory > 0 ? "3" : "1"), 1, 100),
    database: values.database,
    history: Math.floor(history),
    compareHistory: Math.floor(compareHistory),
    probe: number("probe", values.probe ?? (compareHistory > 0 ? "3" : "0"), 0),
    verify: !values["no-verify"]
  }
}

const LIMIT_USAGE = `npm run bench:limit -- [options]
  --rounds R               rounds of the service, the plain server, the HTTP stack alone and the service on one thread, in rotating order (3)
  --direct S               seconds of the in-process transaction loop per round (5)
  --connections N, --duration S, --warmup S, --log-level L, --repeats F, --seed N  as for npm run bench
`

export const limitOptions = (): LimitOptions => {
  const { values } = parseArgs({
    options: { ...common, rounds: { type: "string", default: "3" }, direct: { type: "string", default: "5" } }
  })
  const commonOptions = commonFrom(values, LIMIT_USAGE)
  return {
    ...commonOptions,
    rounds: number("rounds", values.rounds, 1, 100),
    direct: number("direct", values.direct, 0)
  }
}

export interface InstructionOptions {
  readonly requests: number
  readonly warmup: number
  readonly rounds: number
  readonly inFlight: number
  readonly logLevel: string
  readonly seed: number
  readonly repeatShare: number
  /** Built servers to count, by path; empty for the service, the plain server and the HTTP stack alone. */
  readonly builds: ReadonlyArray<string>
}

const INSTRUCTIONS_USAGE = `npm run bench:instructions -- [options] [built server.js ...]
  --requests N             registrations counted per server and round (1000)
  --warmup N               registrations before counting starts, so the code is compiled (2000)
  --rounds R               rounds, the servers' order rotating (2)
  --in-flight K            registrations in flight at once (8)
  --log-level L, --repeats F, --seed N  as for npm run bench
Without a server given, counts the service (dist/mini-crm.js), the plain server and the
service's HTTP stack alone; given bundles, counts those, for comparing two builds of the
service. Each build needs a directory of its own under dist/, since the service starts
the registrar.js and loads the chunks beside it: npx tsx bundle.ts dist/a.
`

export const instructionOptions = (): InstructionOptions => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      requests: { type: "string", default: "1000" },
      warmup: { type: "string", default: "2000" },
      rounds: { type: "string", default: "2" },
      "in-flight": { type: "string", default: "8" },
      "log-level": common["log-level"],
      seed: common.seed,
      repeats: common.repeats,
      help: common.help
    }
  })
  if (values.help) {
    process.stdout.write(INSTRUCTIONS_USAGE)
    process.exit(0)
  }
  return {
    requests: number("requests", values.requests, 1),
    warmup: number("warmup", values.warmup, 0),
    rounds: number("rounds", values.rounds, 1, 100),
    inFlight: number("in-flight", values["in-flight"], 1, 1_000),
    logLevel: values["log-level"],
    seed: number("seed", values.seed, 0, 2 ** 32 - 1),
    repeatShare: number("repeats", values.repeats, 0, 1),
    builds: positionals
  }
}

export interface CompareOptions extends CommonOptions {
  /** Built services to compare, by path; the first is the one the others are measured against. */
  readonly builds: ReadonlyArray<string>
}

const COMPARE_USAGE = `npm run bench:compare -- [options] before/mini-crm.js after/mini-crm.js [...]
  --rounds R               rounds, the builds' order rotating each round (6)
  --connections N, --duration S, --warmup S, --log-level L, --repeats F, --seed N  as for npm run bench
POST /contacts on SQLite for two or more builds of the service, alternated round by
round on fresh copies of one seeded database, each build against the first in the same
round: on a shared machine the pairs show a change of a few per cent that runs an hour
apart cannot. Each build needs a directory of its own under dist/, since the service
starts the registrar.js and loads the chunks beside it: npx tsx bundle.ts dist/a.
`

export const compareOptions = (): CompareOptions => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { ...common, rounds: { type: "string", default: "6" } }
  })
  const commonOptions = commonFrom(values, COMPARE_USAGE)
  if (positionals.length < 2) {
    process.stderr.write(COMPARE_USAGE)
    process.exit(1)
  }
  return { ...commonOptions, rounds: number("rounds", values.rounds, 1, 100), builds: positionals }
}
