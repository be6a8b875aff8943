import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { bundleHttpFloor, emitPlainServer } from "./builds.js"
import { makeBackend, type Store } from "./database.js"
import { makeMix } from "./mix.js"
import { instructionOptions } from "./options.js"
import { fixed, median, progress, table } from "./report.js"
import { cleanupOnSignal, headers, machine, seedTemplate, serviceFlags, token } from "./service.js"
import { freePort } from "./server.js"

// `npm run bench:instructions`: the CPU instructions one POST /contacts costs a server,
// counted by valgrind's callgrind over a fixed sequence of registrations. Requests per
// second on a shared machine move by tens of per cent from run to run; this count moves
// by one or two, so it shows what a small change buys, which throughput cannot.
// Instructions are not time (cache misses and system calls are not in them), so the
// throughput figures of `npm run bench:limit` stay the measure of speed.
const options = instructionOptions()

const available = (command: string) => {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}
if (!available("valgrind") || !available("callgrind_control")) {
  process.stderr.write("npm run bench:instructions needs valgrind and its callgrind_control (Debian: apt-get install valgrind)\n")
  process.exit(1)
}

const backend = makeBackend("sqlite")
cleanupOnSignal(backend)
const work = mkdtempSync(join(tmpdir(), "mini-crm-callgrind-"))

// Effect servers run with the service's heap settings, as in every other bench.
const builds: ReadonlyArray<{ readonly name: string; readonly script: string; readonly flags: ReadonlyArray<string> }> =
  options.builds.length > 0
    ? options.builds.map((script) => ({ name: script, script, flags: serviceFlags }))
    : [
      { name: "the service", script: "dist/mini-crm.js", flags: serviceFlags },
      { name: "(c) the service's HTTP stack, no database", script: await bundleHttpFloor(), flags: serviceFlags },
      { name: "(b) plain node:http + better-sqlite3", script: emitPlainServer(), flags: [] }
    ]

// vgdb, through which callgrind_control reaches the server, names its pipes after
// the user and host in the environment: both sides get the same.
const controlEnv = { PATH: process.env.PATH ?? "", HOST: "127.0.0.1" }
const control = (pid: number, ...args: ReadonlyArray<string>) =>
  execFileSync("callgrind_control", [`--vgdb-prefix=${join(work, "vgdb")}`, ...args, String(pid)], {
    env: controlEnv,
    stdio: "ignore"
  })

let child: ChildProcess | undefined
process.on("exit", () => child?.kill("SIGKILL"))

/** Starts a build under callgrind with counting off, so start-up and warm-up are not counted. */
const start = async (build: (typeof builds)[number], store: Store, out: string): Promise<{ pid: number; url: string }> => {
  const port = await freePort()
  const log = openSync(`${out}.log`, "w")
  child = spawn("valgrind", [
    "--tool=callgrind",
    "--instr-atstart=no",
    "--vgdb=yes",
    `--vgdb-prefix=${join(work, "vgdb")}`,
    `--callgrind-out-file=${out}`,
    process.execPath,
    ...build.flags,
    build.script
  ], {
    env: {
      ...controlEnv,
      NODE_ENV: "production",
      DATABASE_URL: store.url,
      LOG_LEVEL: options.logLevel,
      API_TOKEN: token,
      PORT: String(port),
      RANDOM_SEED: String(options.seed),
      // `REGISTRATION_THREAD=false npm run bench:instructions` counts the service on one thread.
      ...(process.env.REGISTRATION_THREAD === undefined ? {} : { REGISTRATION_THREAD: process.env.REGISTRATION_THREAD })
    },
    stdio: ["ignore", log, log]
  })
  closeSync(log)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10 * 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${build.script} exited under valgrind; see ${out}.log`)
    try {
      await (await fetch(`${url}/health`)).arrayBuffer()
      return { pid: child.pid!, url }
    } catch {
      await sleep(500)
    }
  }
  throw new Error(`${build.script} did not answer within 10 minutes under valgrind`)
}

const stop = async () => {
  const running = child
  child = undefined
  if (running === undefined || running.exitCode !== null) return
  const exited = new Promise((resolve) => running.once("exit", resolve))
  running.kill("SIGTERM")
  await Promise.race([exited, sleep(30_000).then(() => running.kill("SIGKILL"))])
}

/** One server, one round: warm-up, then the count over `options.requests` registrations. */
const count = async (build: (typeof builds)[number], template: Store, sourceIds: ReadonlyArray<number>, round: number, n: number) => {
  const store = await backend.clone(template, "run")
  const out = join(work, `callgrind-${round}-${n}.out`)
  try {
    const server = await start(build, store, out)
    const next = makeMix({ sourceIds, repeatShare: options.repeatShare, seed: options.seed + round, prefix: `cg-r${round}` })
    const post = async () => {
      const response = await fetch(`${server.url}/contacts`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(next())
      })
      await response.arrayBuffer()
      if (response.status !== 201) throw new Error(`POST /contacts answered ${response.status}`)
    }
    const registrations = async (total: number) => {
      let left = total
      await Promise.all(Array.from({ length: options.inFlight }, async () => {
        while (left-- > 0) await post()
      }))
    }
    await registrations(options.warmup)
    control(server.pid, "--instr=on")
    await registrations(options.requests)
    control(server.pid, "--dump")
    const dump = readFileSync(`${out}.1`, "utf8")
    const totals = /^totals:\s*(\d+)/m.exec(dump)
    if (totals === null) throw new Error(`no totals in ${out}.1`)
    return Number(totals[1]) / options.requests
  } finally {
    await stop()
    await backend.drop(store)
  }
}

const { store: template, seeded } = await seedTemplate(backend, options.logLevel, options.seed).catch(async (error) => {
  await backend.close()
  throw error
})
try {
  const counts: Array<Array<number>> = builds.map(() => [])
  for (let round = 1; round <= options.rounds; round++) {
    for (let i = 0; i < builds.length; i++) {
      // Each server goes first in turn.
      const b = (i + round - 1) % builds.length
      const perRegistration = await count(builds[b]!, template, seeded.sourceIds, round, b)
      counts[b]!.push(perRegistration)
      progress(`round ${round}: ${builds[b]!.name} ${Math.round(perRegistration).toLocaleString("en")} instructions per registration`)
    }
  }
  const medians = counts.map(median)
  const plain = builds.findIndex((b) => b.name.startsWith("(b)"))
  const thousands = (value: number) => `${fixed(value / 1000, 0)}k`
  console.log(`\nPOST /contacts: instructions per registration (callgrind), ${options.requests} counted after ${options.warmup}, ${options.inFlight} in flight\n`)
  console.log(table(
    ["server", ...counts[0]!.map((_, r) => `round ${r + 1}`), "median", ...(plain >= 0 ? ["× plain"] : [])],
    builds.map((b, i) => [
      b.name,
      ...counts[i]!.map(thousands),
      thousands(medians[i]!),
      ...(plain >= 0 ? [fixed(medians[i]! / medians[plain]!, 2)] : [])
    ])
  ))
  console.log(JSON.stringify({
    bench: "instructions",
    machine: machine(),
    options,
    instructions_per_registration: Object.fromEntries(builds.map((b, i) => [b.name, Math.round(medians[i]!)])),
    rounds: Object.fromEntries(builds.map((b, i) => [b.name, counts[i]!.map(Math.round)]))
  }))
} finally {
  await backend.close()
  rmSync(work, { recursive: true, force: true })
}
