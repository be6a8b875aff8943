import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, ManagedRuntime } from "effect"
import { ContactId, OperatorId, type SourceId } from "../../src/domain/Ids.js"
import { Reconciliation } from "../../src/services/Reconciliation.js"
import { Client, TestApp } from "../support/TestApp.js"

interface ModelOperator {
  is_active: boolean
  max_load: number
  load: number
  /** Set once max_load was lowered below the load: only then may load exceed it. */
  loweredUnder: boolean
}
interface Model {
  readonly operators: Array<ModelOperator>
  readonly weights: Array<Map<number, number>> // per source: operator index -> weight
  readonly contacts: Array<{ operator: number | null; active: boolean }>
}

const runtimeFor = () =>
  ManagedRuntime.make(Layer.provideMerge(Reconciliation.Default, TestApp()))
type Runtime = ReturnType<typeof runtimeFor>
interface Real { readonly runtime: Runtime; readonly sources: ReadonlyArray<SourceId> }

const SOURCES = 2
// Operators and contacts are created in order, from id 1: index i has id i + 1.
const operatorId = (i: number) => OperatorId.make(i + 1)
const contactId = (i: number) => ContactId.make(i + 1)

const available = (m: Model, source: number) =>
  m.operators.flatMap((o, i) =>
    o.is_active && o.load < o.max_load && (m.weights[source]!.get(i) ?? 0) > 0 ? [i] : [])

/** After every step: each operator's load and the unassigned contacts agree with the model. */
const agree = (m: Model, r: Real) =>
  r.runtime.runPromise(Effect.gen(function* () {
    const client = yield* Client
    const operators = yield* client.operators.list({ urlParams: {} })
    expect(operators.map((o) => o.load)).toEqual(m.operators.map((o) => o.load))
    operators.forEach((o, i) => {
      if (!m.operators[i]!.loweredUnder) expect(o.load).toBeLessThanOrEqual(o.max_load)
    })
    const unassigned = yield* client.contacts.list({ urlParams: { assigned: false, limit: 500 } })
    expect(unassigned.items.map((c) => c.id)).toEqual(
      m.contacts.flatMap((c, i) => (c.operator === null ? [contactId(i)] : [])))
  }))

class CreateOperator implements fc.AsyncCommand<Model, Real> {
  constructor(readonly max_load: number, readonly is_active: boolean) {}
  check = () => true
  async run(m: Model, r: Real) {
    await r.runtime.runPromise(Effect.flatMap(Client, (c) =>
      c.operators.create({ payload: { name: `op ${m.operators.length}`, max_load: this.max_load, is_active: this.is_active } })))
    m.operators.push({ is_active: this.is_active, max_load: this.max_load, load: 0, loweredUnder: false })
    await agree(m, r)
  }
  toString = () => `createOperator(${this.max_load}, ${this.is_active})`
}

class PatchOperator implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly patch: { max_load?: number; is_active?: boolean }) {}
  check = (m: Readonly<Model>) => m.operators.length > 0
  async run(m: Model, r: Real) {
    const index = this.pick % m.operators.length
    await r.runtime.runPromise(Effect.flatMap(Client, (c) =>
      c.operators.update({ path: { id: operatorId(index) }, payload: this.patch })))
    const operator = m.operators[index]!
    Object.assign(operator, this.patch)
    if (operator.load > operator.max_load) operator.loweredUnder = true
    await agree(m, r)
  }
  toString = () => `patchOperator(${this.pick}, ${JSON.stringify(this.patch)})`
}

class SetWeights implements fc.AsyncCommand<Model, Real> {
  constructor(readonly source: number, readonly entries: ReadonlyArray<[number, number]>, readonly replace: boolean) {}
  check = (m: Readonly<Model>) => m.operators.length > 0
  async run(m: Model, r: Real) {
    const weights = new Map(this.entries.map(([pick, weight]) => [pick % m.operators.length, weight]))
    const payload = { weights: [...weights].map(([i, weight]) => ({ operator_id: operatorId(i), weight })) }
    const path = { id: r.sources[this.source]! }
    await r.runtime.runPromise(Effect.flatMap(Client, (c) =>
      this.replace ? c.sources.replaceWeights({ path, payload }) : c.sources.upsertWeights({ path, payload })))
    const table = m.weights[this.source]!
    if (this.replace) table.clear()
    for (const [i, weight] of weights) weight === 0 ? table.delete(i) : table.set(i, weight)
    await agree(m, r)
  }
  toString = () => `setWeights(${this.source}, ${JSON.stringify(this.entries)}, ${this.replace ? "PUT" : "POST"})`
}

class Register implements fc.AsyncCommand<Model, Real> {
  constructor(readonly source: number, readonly lead: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const eligible = available(m, this.source)
    const contact = await r.runtime.runPromise(Effect.flatMap(Client, (c) =>
      c.contacts.register({ headers: {}, payload: { external_id: `lead-${this.lead}`, source_id: r.sources[this.source]! } })))
    if (eligible.length === 0) expect(contact.operator_id).toBeNull()
    else expect(eligible.map((i) => operatorId(i))).toContain(contact.operator_id)
    const operator = contact.operator_id === null ? null : contact.operator_id - 1
    if (operator !== null) m.operators[operator]!.load += 1
    m.contacts.push({ operator, active: true })
    await agree(m, r)
  }
  toString = () => `register(${this.source}, lead-${this.lead})`
}

class Close implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.contacts.length > 0
  async run(m: Model, r: Real) {
    const index = this.pick % m.contacts.length
    await r.runtime.runPromise(Effect.flatMap(Client, (c) =>
      c.contacts.update({ path: { id: contactId(index) }, payload: { is_active: false } })))
    const contact = m.contacts[index]!
    if (contact.active && contact.operator !== null) m.operators[contact.operator]!.load -= 1
    contact.active = false
    await agree(m, r)
  }
  toString = () => `close(${this.pick})`
}

const commands = [
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([max, active]) => new CreateOperator(max, active)),
  fc.tuple(fc.nat(), fc.record({ max_load: fc.integer({ min: 0, max: 3 }), is_active: fc.boolean() }, { requiredKeys: [] }))
    .map(([pick, patch]) => new PatchOperator(pick, patch)),
  fc.tuple(fc.integer({ min: 0, max: SOURCES - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: 4 }), fc.boolean())
    .map(([source, entries, replace]) => new SetWeights(source, entries, replace)),
  fc.tuple(fc.integer({ min: 0, max: SOURCES - 1 }), fc.integer({ min: 0, max: 5 })).map(([s, lead]) => new Register(s, lead)),
  fc.tuple(fc.integer({ min: 0, max: SOURCES - 1 }), fc.integer({ min: 0, max: 5 })).map(([s, lead]) => new Register(s, lead)),
  fc.nat().map((pick) => new Close(pick))
]

describe("the service against a model", () => {
  it("agrees on loads, limits and unassigned contacts after every step, and its counters never drift", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: "max" }), async (cmds) => {
        const runtime = runtimeFor()
        try {
          const sources = await runtime.runPromise(Effect.flatMap(Client, (c) =>
            Effect.forEach(Array.from({ length: SOURCES }, (_, i) => i), (i) =>
              Effect.map(c.sources.create({ payload: { name: `source ${i}` } }), (s) => s.id))))
          const model: Model = { operators: [], weights: Array.from({ length: SOURCES }, () => new Map()), contacts: [] }
          const real = { runtime, sources }
          // Every run starts staffed (two operators on source 0) so that registrations
          // get assigned and closes free load from the first command on.
          for (const command of [new CreateOperator(2, true), new CreateOperator(1, true), new SetWeights(0, [[0, 1], [1, 2]], true)]) {
            await command.run(model, real)
          }
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          const drift = await runtime.runPromise(Effect.flatMap(Reconciliation, (r) => r.drift))
          expect(drift).toEqual([])
        } finally {
          await runtime.dispose()
        }
      }),
      { numRuns: 40 }
    )
  }, 120_000)
})
