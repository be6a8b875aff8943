import { bundleHttpFloor, emitPlainServer } from "./builds.js"
import { makeBackend, type Store } from "./database.js"
import { printLimit, type Round, type ServerRun } from "./print-limit.js"
import { makeMix, type Registration } from "./mix.js"
import { limitOptions } from "./options.js"
import { makeRegister, openLikeService } from "./registration.js"
import { progress } from "./report.js"
import { cleanupOnSignal, machine, registrationRun, seedTemplate } from "./service.js"

// `npm run bench:limit`: the ceilings under POST /contacts. (a) the service's
// registration transaction in a loop on better-sqlite3, no HTTP; (b) a bare
// node:http server with that transaction; (c) the service's own HTTP stack with
// the registration answered from memory; (d) the service with everything on one
// thread (REGISTRATION_THREAD=false), what the registrar thread is measured against.
// (b), (c) and (d) are loaded exactly like the service and alternated with it round by round.
const options = limitOptions()
const backend = makeBackend("sqlite")
cleanupOnSignal(backend)
const machineInfo = machine()

const mixFor = (sourceIds: ReadonlyArray<number>, round: number): (() => Registration) =>
  makeMix({ sourceIds, repeatShare: options.repeatShare, seed: options.seed + round, prefix: `limit-r${round}` })

/** (a): registrations back to back for `seconds`, in this process. */
const direct = async (template: Store, sourceIds: ReadonlyArray<number>, round: number) => {
  const store = await backend.clone(template, "direct")
  const db = openLikeService(store.location)
  try {
    const register = makeRegister(db)
    const next = mixFor(sourceIds, round)
    const started = performance.now()
    const until = started + options.direct * 1000
    let count = 0
    let now = started
    while (now < until) {
      for (let i = 0; i < 256; i++) register(next())
      count += 256
      now = performance.now()
    }
    const seconds = (now - started) / 1000
    return { registrations: count, perSecond: count / seconds, microseconds: (seconds * 1e6) / count }
  } finally {
    db.close()
    await backend.drop(store)
  }
}

type Server = "service" | "plain" | "floor" | "single"

/** One server on a fresh copy: warm-up, then the measured POST /contacts phase. */
const serve = (template: Store, which: Server, sourceIds: ReadonlyArray<number>, round: number): Promise<ServerRun> =>
  registrationRun(backend, template, options, mixFor(sourceIds, round), {
    script: scripts[which],
    effectServer: which !== "plain",
    env: which === "single" ? { REGISTRATION_THREAD: "false" } : {}
  })

const scripts: Record<Server, string> = {
  service: "dist/mini-crm.js",
  single: "dist/mini-crm.js",
  plain: emitPlainServer(),
  floor: await bundleHttpFloor()
}
const { store: template, seeded } = await seedTemplate(backend, options.logLevel, options.seed).catch(async (error) => {
  await backend.close()
  throw error
})

try {
  const rounds: Array<Round> = []
  for (let round = 1; round <= options.rounds; round++) {
    const a = options.direct > 0 ? await direct(template, seeded.sourceIds, round) : undefined
    if (a !== undefined) progress(`round ${round}: direct ${a.perSecond.toFixed(0)} registrations/s`)
    // Each server takes each place in the order in turn, so none always meets a warmer machine.
    const servers: ReadonlyArray<Server> = ["service", "plain", "floor", "single"]
    const order = servers.map((_, i) => servers[(i + round - 1) % servers.length]!)
    const runs: Partial<Record<Server, ServerRun>> = {}
    for (const which of order) {
      runs[which] = await serve(template, which, seeded.sourceIds, round)
      progress(`round ${round}: ${which} ${runs[which]?.rps.toFixed(0)} req/s`)
    }
    const { service, plain, floor, single } = runs
    if (service === undefined || plain === undefined || floor === undefined || single === undefined) {
      throw new Error("a server run is missing")
    }
    rounds.push({ round, order: order.join(" then "), direct: a, service, plain, floor, single })
  }
  printLimit({ options, machine: machineInfo, seeded, rounds })
} finally {
  await backend.close()
}
