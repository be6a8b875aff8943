import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { makeBackend } from "./database.js"
import { makeMix } from "./mix.js"
import { compareOptions } from "./options.js"
import { fixed, median, progress, rounded, table } from "./report.js"
import { cleanupOnSignal, machine, registrationRun, seedTemplate } from "./service.js"

// `npm run bench:compare`: two or more builds of the service under the same POST
// /contacts load, alternated, so that a change is judged pair by pair within a round
// rather than across runs that the machine's swings move by more than the change.
// The template is migrated and seeded by the first build.
const options = compareOptions()
for (const build of options.builds) {
  if (!existsSync(build)) throw new Error(`${build} does not exist`)
  if (!existsSync(join(dirname(build), "registrar.js"))) throw new Error(`${build} has no registrar.js beside it`)
}
const backend = makeBackend("sqlite")
cleanupOnSignal(backend)
const machineInfo = machine()
const { store: template, seeded } = await seedTemplate(backend, options.logLevel, options.seed, options.builds[0]).catch(async (error) => {
  await backend.close()
  throw error
})

const rounds: Array<Record<string, ReturnType<typeof rounded>>> = []
try {
  for (let round = 1; round <= options.rounds; round++) {
    const order = options.builds.map((_, i) => options.builds[(i + round - 1) % options.builds.length]!)
    const runs: Record<string, ReturnType<typeof rounded>> = {}
    for (const build of order) {
      // Every build gets the same sequence of requests in a round.
      const mix = makeMix({
        sourceIds: seeded.sourceIds,
        repeatShare: options.repeatShare,
        seed: options.seed + round,
        prefix: `compare-r${round}`
      })
      const result = await registrationRun(backend, template, options, mix, { script: build })
      runs[build] = rounded(result)
      progress(`round ${round}: ${build} ${result.rps.toFixed(0)} req/s`)
    }
    rounds.push(runs)
  }
} finally {
  await backend.close()
}

const [first] = options.builds
const ratio = (build: string) => rounds.map((runs) => runs[build]!.rps / runs[first!]!.rps)
process.stdout.write(`POST /contacts at ${options.connections} connections, ${options.duration} s after ${options.warmup} s warm-up, ` +
  `${options.rounds} rounds, builds alternated; medians, and each build's req/s over the first build's (${first}) ` +
  `in the same round:\n\n`)
process.stdout.write(table(
  ["build", "req/s", "p50 ms", "p99 ms", "RSS MiB end", "errors", "x first", "x first, round by round"],
  options.builds.map((build) => {
    const runs = rounds.map((r) => r[build]!)
    return [
      build,
      fixed(median(runs.map((r) => r.rps)), 0),
      fixed(median(runs.map((r) => r.p50_ms)), 2),
      fixed(median(runs.map((r) => r.p99_ms)), 2),
      fixed(median(runs.map((r) => r.rss_mib))),
      String(runs.reduce((sum, r) => sum + r.errors, 0)),
      fixed(median(ratio(build)), 3),
      ratio(build).map((x) => fixed(x, 2)).join(" ")
    ]
  })
) + "\n")
process.stdout.write(JSON.stringify({
  bench: "mini-crm-compare",
  connections: options.connections,
  duration_s: options.duration,
  warmup_s: options.warmup,
  log_level: options.logLevel,
  machine: machineInfo,
  rounds,
  median: Object.fromEntries(options.builds.map((build) => [build, {
    rps: Math.round(median(rounds.map((r) => r[build]!.rps))),
    p99_ms: median(rounds.map((r) => r[build]!.p99_ms)),
    rss_mib: median(rounds.map((r) => r[build]!.rss_mib)),
    rps_over_first: Number(median(ratio(build)).toFixed(3))
  }]))
}) + "\n")
