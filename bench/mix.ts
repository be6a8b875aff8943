/** mulberry32: a small seeded generator, so the set-up and the request mix replay exactly. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export interface Registration {
  readonly external_id: string
  readonly source_id: number
  readonly message: string
}

/** How many recent external_ids a repeat may reuse: returning customers are recent ones. */
const RECENT = 10_000

const MESSAGES = [
  "Hello, I would like to know the price of the premium plan.",
  "Call me back please",
  "Is delivery to Kazan possible this week? Order 4411",
  "I have a question about my invoice from last month, the total looks wrong."
]

/**
 * The POST /contacts bodies: sources uniformly, fresh external_ids except a share
 * of repeats of recent ones (returning leads). `prefix` keeps ids of different
 * runs apart, so a repeat is a repeat of this run only.
 */
export const makeMix = (options: {
  readonly sourceIds: ReadonlyArray<number>
  readonly repeatShare: number
  readonly seed: number
  readonly prefix: string
}) => {
  const random = seededRandom(options.seed)
  const recent: Array<string> = []
  let issued = 0
  return (): Registration => {
    const source_id = options.sourceIds[Math.floor(random() * options.sourceIds.length)]
    const message = MESSAGES[Math.floor(random() * MESSAGES.length)]
    if (recent.length > 0 && random() < options.repeatShare) {
      return { external_id: recent[Math.floor(random() * recent.length)], source_id, message }
    }
    issued += 1
    const external_id = `${options.prefix}-${issued}@example.com`
    if (recent.length < RECENT) recent.push(external_id)
    else recent[issued % RECENT] = external_id
    return { external_id, source_id, message }
  }
}
