import { seededRandom } from "./mix.js"

export interface SeedShape {
  readonly sources: number
  readonly operators: number
  /** Each source is weighted to between min and max operators. */
  readonly perSource: readonly [min: number, max: number]
  readonly maxWeight: number
  /** High, so that no operator saturates during a run. */
  readonly maxLoad: number
}

export const DEFAULT_SHAPE: SeedShape = {
  sources: 10,
  operators: 50,
  perSource: [10, 15],
  maxWeight: 10,
  maxLoad: 1_000_000
}

export interface Seeded {
  readonly sourceIds: ReadonlyArray<number>
  readonly operatorIds: ReadonlyArray<number>
  readonly weights: number
}

type Headers = Readonly<Record<string, string>>

const call = async (base: string, headers: Headers, method: string, path: string, body: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  const parsed: unknown = JSON.parse(text)
  return parsed
}

const idOf = (value: unknown): number => {
  if (typeof value === "object" && value !== null && "id" in value && typeof value.id === "number") return value.id
  throw new Error(`expected an object with a numeric id, got ${JSON.stringify(value)}`)
}

/** The set-up through the public API, as an administrator would make it; the same seed gives the same weights. */
export const seed = async (base: string, headers: Headers, seedValue: number, shape = DEFAULT_SHAPE): Promise<Seeded> => {
  const random = seededRandom(seedValue ^ 0x5eed)
  const pad = (n: number) => String(n).padStart(2, "0")
  const operatorIds: Array<number> = []
  for (let i = 1; i <= shape.operators; i++) {
    operatorIds.push(idOf(await call(base, headers, "POST", "/operators", { name: `Operator ${pad(i)}`, max_load: shape.maxLoad })))
  }
  const sourceIds: Array<number> = []
  let weights = 0
  for (let i = 1; i <= shape.sources; i++) {
    const id = idOf(await call(base, headers, "POST", "/sources", { name: `Source ${pad(i)}`, description: `bench channel ${i}` }))
    sourceIds.push(id)
    const [min, max] = shape.perSource
    const count = min + Math.floor(random() * (max - min + 1))
    const pool = [...operatorIds]
    const chosen: Array<{ operator_id: number; weight: number }> = []
    while (chosen.length < count && pool.length > 0) {
      const [operator_id] = pool.splice(Math.floor(random() * pool.length), 1)
      chosen.push({ operator_id, weight: 1 + Math.floor(random() * shape.maxWeight) })
    }
    await call(base, headers, "PUT", `/sources/${id}/operators`, { weights: chosen })
    weights += chosen.length
  }
  return { sourceIds, operatorIds, weights }
}
