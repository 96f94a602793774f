// Per refcounted object type: who holds references, the lifecycle states and
// the functions that move an object between them, the final-put sites, and
// the release work its final close runs in each context.
import type { FunctionFacts } from '../facts/factTypes';
import type {
  HolderEvidence,
  Location,
  ObjectLifecycle,
  ReleasePath,
  Transition,
  LifecycleState,
} from '../model';
import type { Program } from './program';
import { compareText } from './textOrder';

const STATE_OF_ROLE: Partial<Record<string, LifecycleState>> = {
  'ref-init': 'allocated',
  'hash-insert': 'hashed',
  'hash-remove': 'unhashed',
  'lru-add': 'on-lru',
  'ref-final-put': 'final-put',
};

function at(c: { at: { file: string; line: number; column: number } }): Location {
  return { file: c.at.file, line: c.at.line, column: c.at.column };
}

export function buildObjects(program: Program, paths: ReleasePath[]): ObjectLifecycle[] {
  const objects = new Map<string, ObjectLifecycle>();
  const objectFor = (
    type: string,
    field: string | undefined,
    kind: ObjectLifecycle['refKind'] | undefined,
  ) => {
    let o = objects.get(type);
    if (!o) {
      o = {
        type,
        refField: field ?? '',
        refKind: kind ?? 'refcount_t',
        holders: [],
        transitions: [],
        finalPutSites: [],
        initialCounts: [],
        getters: [],
        putters: [],
        releasePaths: [],
      };
      objects.set(type, o);
    }
    if (!o.refField && field) o.refField = field;
    return o;
  };
  // Types with a refcount: from direct catalog refcount calls on a struct field.
  const declared = new Set<string>();
  for (const fn of program.functions)
    for (const [i, call] of fn.calls.entries()) {
      const c = program.classify(fn, i);
      if (!c?.entry?.refKind || !c.objectType) continue;
      const arg = call.args[c.entry.arg ?? 0];
      if (!arg?.field) continue;
      objectFor(c.objectType, arg.field, c.entry.refKind);
      if (c.typeSource === 'declared') declared.add(c.objectType);
    }
  for (const o of objects.values()) if (!declared.has(o.type)) o.typeSource = 'field-name-guess';
  // In-flight / usage counters of the same structs, kept apart from the references.
  for (const key of program.counters.usage) {
    const dot = key.lastIndexOf('.');
    const o = objects.get(key.slice(0, dot));
    if (o) o.usageCounters = [...(o.usageCounters ?? []), key.slice(dot + 1)].sort();
  }
  const typesUsedBy = new Map<string, Set<string>>();
  for (const fn of program.functions) {
    const id = program.idOf(fn);
    // Struct types the function declares variables of, typedef'd ones included.
    const used = new Set(Object.values(fn.varTypes));
    for (const t of Object.values(fn.declTypes ?? {})) {
      const s = program.env.structName(t);
      if (s) used.add(s);
    }
    const known = typesUsedBy.get(id);
    typesUsedBy.set(id, known ? new Set([...known, ...used]) : used);
    const d = program.derived.get(fn);
    const type = d ? program.wrapperType(fn, d) : undefined;
    if (d?.wrapper && d.wrapper !== 'take-over' && !d.takesOver && type && objects.has(type)) {
      const o = objects.get(type) as ObjectLifecycle;
      (d.wrapper.startsWith('get') ? o.getters : o.putters).push(id);
    }
    collectTransitions(program, fn, objects);
  }
  // A path belongs to every type a function on its chain declares variables of
  // (each path visited once, not once per object).
  const pathsOf = new Map<string, ReleasePath[]>();
  for (const p of paths) {
    const types = new Set<string>();
    for (const s of p.chain) for (const t of typesUsedBy.get(s.function) ?? []) types.add(t);
    for (const t of types) {
      const list = pathsOf.get(t);
      if (list) list.push(p);
      else pathsOf.set(t, [p]);
    }
  }
  for (const o of objects.values()) {
    o.releasePaths = [...(pathsOf.get(o.type) ?? [])];
    o.holders = holders(program, o);
    o.getters.sort();
    o.putters.sort();
  }
  return [...objects.values()].sort((a, b) => compareText(a.type, b.type));
}

function collectTransitions(
  program: Program,
  fn: FunctionFacts,
  objects: Map<string, ObjectLifecycle>,
) {
  const id = program.idOf(fn);
  fn.calls.forEach((call, i) => {
    const c = program.classify(fn, i);
    if (!c || c.source !== 'catalog') return;
    let type = c.objectType;
    if (call.callee === 'call_rcu' || call.callee === 'kfree_rcu') {
      type = program.typeOf(fn, call.args[0]?.object);
      const o = type ? objects.get(type) : undefined;
      o?.transitions.push({ to: 'rcu-freed', function: id, call: call.callee, at: at(call) });
      return;
    }
    const state = STATE_OF_ROLE[c.role];
    const o = type ? objects.get(type) : undefined;
    if (!state || !o) return;
    const t: Transition = { to: state, function: id, call: call.callee, at: at(call) };
    o.transitions.push(t);
    if (state === 'final-put')
      o.finalPutSites.push({ function: id, call: call.callee, at: at(call) });
    if (state === 'allocated') {
      const n = Number(call.args[1]?.text ?? (c.entry?.refKind === 'kref' ? 1 : NaN));
      if (Number.isInteger(n) && !o.initialCounts.includes(n)) o.initialCounts.push(n);
    }
  });
}

/**
 * Holders beyond the caller, from what functions do to one variable:
 * unhash then drop a reference => the hash table held one (a sentinel);
 * take a reference when adding to the LRU, or drop one when taking it off => the LRU holds one.
 */
function holders(program: Program, o: ObjectLifecycle): HolderEvidence[] {
  const out: HolderEvidence[] = [];
  const getter = o.getters[0];
  if (getter) {
    const fn = program.functions.find((f) => program.idOf(f) === getter);
    if (fn)
      out.push({
        holder: 'caller',
        reason: `callers take references through ${getter}()`,
        function: getter,
        at: { file: fn.file, line: fn.span.line, column: fn.span.column },
      });
  }
  for (const e of program.ownerEvidence.get(o.type) ?? [])
    out.push({
      holder: e.holder,
      reason: e.reason,
      function: program.idOf(e.fn),
      at: at(e.fn.calls[e.callIndex]),
    });
  return out;
}
