// Catalog loading, merging and lookup. User files extend the built-in catalog
// for other subsystems; entries with the same name replace built-in ones.
import type {
  CallEntry,
  Catalog,
  CatalogFile,
  LockGuardEntry,
  OpsFieldEntry,
} from './catalogTypes';
import { builtinCatalog } from './builtinCatalog';
import { CONTEXT_KINDS } from '../model';

const ROLES = new Set([
  'ref-get',
  'ref-get-conditional',
  'ref-put',
  'ref-final-put',
  'ref-init',
  'ref-read',
  'list-drain',
  'hash-insert',
  'hash-remove',
  'hash-lookup',
  'lru-add',
  'lru-del',
  'lru-walk',
  'list-add',
  'list-del',
  'bit-test',
  'bit-set',
  'bit-clear',
  'bit-test-and-clear',
  'bit-test-and-set',
  'defer',
  'register',
  'release',
  'lock',
  'unlock',
  'annotation',
  'free',
  'wake',
]);
const RELEASES = new Set(['fput', 'fsync', 'flush', 'flush-delayed-fput', 'close']);
const CONTEXTS = new Set<string>(CONTEXT_KINDS);

export class CatalogError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed user catalog file; returns readable problems (empty when valid). */
export function validateCatalogFile(data: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(data)) return ['the catalog must be a JSON object'];
  const known = new Set([
    '$schema',
    'calls',
    'opsFields',
    'declMacros',
    'iteratorMacros',
    'attributeWords',
    'lockAnnotations',
    'containerMacros',
    'lockGuards',
    'guardTests',
    'loggingPrefixes',
  ]);
  for (const k of Object.keys(data)) if (!known.has(k)) problems.push(`unknown key "${k}"`);
  const list = (key: string): unknown[] => {
    const v = data[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      problems.push(`"${key}" must be an array`);
      return [];
    }
    return v;
  };
  const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
  list('calls').forEach((e, i) => {
    const at = `calls[${i}]`;
    if (!isRecord(e)) return problems.push(`${at} must be an object`);
    if (typeof e.name !== 'string' || !ident.test(e.name))
      problems.push(`${at}.name must be a C identifier`);
    if (typeof e.role !== 'string' || !ROLES.has(e.role))
      problems.push(`${at}.role must be one of ${[...ROLES].join(', ')}`);
    for (const n of ['arg', 'releaseArg', 'acquiresLockArg'])
      if (e[n] !== undefined && (!Number.isInteger(e[n]) || (e[n] as number) < 0))
        problems.push(`${at}.${n} must be a non-negative integer`);
    if (e.callbackArg !== undefined && !Number.isInteger(e.callbackArg))
      problems.push(`${at}.callbackArg must be an integer (negative counts from the end)`);
    if (e.moreCallbacks !== undefined)
      if (
        !Array.isArray(e.moreCallbacks) ||
        !e.moreCallbacks.every(
          (m) => isRecord(m) && Number.isInteger(m.arg) && CONTEXTS.has(String(m.context)),
        )
      )
        problems.push(`${at}.moreCallbacks must be a list of { arg, context }`);
    if (e.context !== undefined && !CONTEXTS.has(String(e.context)))
      problems.push(`${at}.context must be one of ${CONTEXT_KINDS.join(', ')}`);
    if (e.release !== undefined && !RELEASES.has(String(e.release)))
      problems.push(`${at}.release must be one of ${[...RELEASES].join(', ')}`);
    return undefined;
  });
  list('opsFields').forEach((e, i) => {
    const at = `opsFields[${i}]`;
    if (!isRecord(e)) return problems.push(`${at} must be an object`);
    if (typeof e.field !== 'string' || !ident.test(e.field))
      problems.push(`${at}.field must be a C identifier`);
    if (!CONTEXTS.has(String(e.context)))
      problems.push(`${at}.context must be one of ${CONTEXT_KINDS.join(', ')}`);
    return undefined;
  });
  list('declMacros').forEach((e, i) => {
    const at = `declMacros[${i}]`;
    if (!isRecord(e) || typeof e.name !== 'string')
      return problems.push(`${at} needs a name, itemArg, handlerArg and context`);
    if (!Number.isInteger(e.itemArg) || !Number.isInteger(e.handlerArg))
      problems.push(`${at}.itemArg and .handlerArg must be integers`);
    if (!CONTEXTS.has(String(e.context)))
      problems.push(`${at}.context must be one of ${CONTEXT_KINDS.join(', ')}`);
    return undefined;
  });
  list('containerMacros').forEach((e, i) => {
    const at = `containerMacros[${i}]`;
    if (!isRecord(e) || typeof e.name !== 'string' || !ident.test(e.name))
      return problems.push(`${at} needs a name (a C identifier) and a typeArg`);
    if (!Number.isInteger(e.typeArg) || (e.typeArg as number) < 0)
      problems.push(`${at}.typeArg must be a non-negative integer`);
    if (
      e.memberArg !== undefined &&
      (!Number.isInteger(e.memberArg) || (e.memberArg as number) < 0)
    )
      problems.push(`${at}.memberArg must be a non-negative integer`);
    return undefined;
  });
  list('lockGuards').forEach((e, i) => {
    if (!isRecord(e) || typeof e.name !== 'string' || !ident.test(e.name))
      problems.push(`lockGuards[${i}] needs a name (a C identifier)`);
    return undefined;
  });
  for (const key of [
    'iteratorMacros',
    'attributeWords',
    'lockAnnotations',
    'guardTests',
    'loggingPrefixes',
  ])
    list(key).forEach((e, i) => {
      if (typeof e !== 'string' || !ident.test(e))
        problems.push(`${key}[${i}] must be a C identifier`);
    });
  return problems;
}

/** Merges a validated user file into a catalog; later entries win by name. */
export function extendCatalog(base: Catalog, file: CatalogFile, source: string): Catalog {
  const byName = new Map<string, CallEntry>(base.calls.map((c) => [c.name, c]));
  for (const c of file.calls ?? []) byName.set(c.name, c);
  const fieldKey = (f: OpsFieldEntry) => `${f.struct ?? ''}.${f.field}`;
  const fields = new Map(base.opsFields.map((f) => [fieldKey(f), f]));
  for (const f of file.opsFields ?? []) fields.set(fieldKey(f), f);
  const macros = new Map(base.declMacros.map((m) => [m.name, m]));
  for (const m of file.declMacros ?? []) macros.set(m.name, m);
  const union = (a: string[], b: string[] | undefined) => [...new Set([...a, ...(b ?? [])])];
  const containers = new Map((base.containerMacros ?? []).map((m) => [m.name, m]));
  for (const m of file.containerMacros ?? []) containers.set(m.name, m);
  return {
    sources: [...base.sources, source],
    calls: [...byName.values()],
    opsFields: [...fields.values()],
    declMacros: [...macros.values()],
    iteratorMacros: union(base.iteratorMacros, file.iteratorMacros),
    attributeWords: union(base.attributeWords, file.attributeWords),
    lockAnnotations: union(base.lockAnnotations, file.lockAnnotations),
    containerMacros: [...containers.values()],
    guardTests: union(base.guardTests ?? [], file.guardTests),
    loggingPrefixes: union(base.loggingPrefixes ?? [], file.loggingPrefixes),
    lockGuards: [
      ...new Map([...base.lockGuards, ...(file.lockGuards ?? [])].map((g) => [g.name, g])).values(),
    ],
  };
}

/** Parses and validates user catalog text; throws CatalogError with every problem listed. */
export function parseCatalogFile(text: string, source: string): CatalogFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const problems = validateCatalogFile(data);
  if (problems.length) throw new CatalogError(`${source}: ${problems.join('; ')}`);
  return data as CatalogFile;
}

/** The argument a callback index designates: negative counts from the end. */
export function argAt<T>(args: readonly T[], index: number): T | undefined {
  return args[index < 0 ? args.length + index : index];
}

/** Fast lookups over a catalog. */
export class CatalogIndex {
  readonly calls: ReadonlyMap<string, CallEntry>;
  readonly opsFields: ReadonlyMap<string, OpsFieldEntry[]>;
  readonly declMacros: ReadonlyMap<string, Catalog['declMacros'][number]>;
  readonly iteratorMacros: ReadonlySet<string>;
  /** Calls whose tested result is a release path's condition (see Catalog.guardTests). */
  readonly guardTests: ReadonlySet<string>;
  readonly attributeWords: ReadonlySet<string>;
  readonly lockAnnotations: ReadonlySet<string>;
  /** container_of-style macro -> argument index naming the result's struct type. */
  readonly containerMacros: ReadonlyMap<string, number>;
  /** container_of-style macro -> argument pointing into the same object (ContainerMacroEntry.memberArg). */
  readonly containerMemberArg: ReadonlyMap<string, number>;
  readonly lockGuards: ReadonlyMap<string, LockGuardEntry>;
  /** Matches a callee starting with one of the logging prefixes (none: matches nothing). */
  private readonly logging: RegExp;

  constructor(readonly catalog: Catalog = builtinCatalog) {
    this.calls = new Map(catalog.calls.map((c) => [c.name, c]));
    const fields = new Map<string, OpsFieldEntry[]>();
    for (const f of catalog.opsFields) fields.set(f.field, [...(fields.get(f.field) ?? []), f]);
    this.opsFields = fields;
    this.declMacros = new Map(catalog.declMacros.map((m) => [m.name, m]));
    this.iteratorMacros = new Set(catalog.iteratorMacros);
    this.attributeWords = new Set(catalog.attributeWords);
    this.lockAnnotations = new Set(catalog.lockAnnotations);
    this.containerMacros = new Map((catalog.containerMacros ?? []).map((m) => [m.name, m.typeArg]));
    this.containerMemberArg = new Map(
      (catalog.containerMacros ?? []).flatMap((m) =>
        m.memberArg === undefined ? [] : [[m.name, m.memberArg] as const],
      ),
    );
    this.lockGuards = new Map((catalog.lockGuards ?? []).map((g) => [g.name, g]));
    this.guardTests = new Set(catalog.guardTests ?? []);
    const prefixes = catalog.loggingPrefixes ?? [];
    // Prefixes are C identifiers (validated), so they need no escaping.
    this.logging = prefixes.length ? new RegExp(`^(?:${prefixes.join('|')})`) : /$^/;
  }

  /** A tracepoint or logging call (Catalog.loggingPrefixes). */
  isLogging(callee: string): boolean {
    return this.logging.test(callee);
  }

  /** The ops field entry for `field`, preferring one whose struct matches. */
  opsField(field: string, struct?: string): OpsFieldEntry | undefined {
    const all = this.opsFields.get(field);
    if (!all) return undefined;
    return all.find((f) => struct !== undefined && f.struct === struct) ?? all[0];
  }

  isIteratorMacro(name: string): boolean {
    return this.iteratorMacros.has(name) || /for_each/.test(name);
  }
}

let builtinIndex: CatalogIndex | undefined;
/**
 * The index of the built-in catalog, made once per process: an index is never
 * changed after construction, and what is derived from one (the macro mask's
 * search, guard tables) is kept per index, so callers that pass no catalog
 * share that work too.
 */
export function builtinCatalogIndex(): CatalogIndex {
  builtinIndex ??= new CatalogIndex();
  return builtinIndex;
}
