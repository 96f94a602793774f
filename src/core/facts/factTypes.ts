// Plain-data facts extracted from one file's syntax tree. Trees are freed right
// after extraction; everything downstream works on these records.
import type { ContextKind, Span } from '../model';
import type { MaskedMacro } from '../parse/macroMask';

export interface ArgFact {
  text: string;
  /**
   * The object the argument designates, as a normalised access path: `nf` for
   * `&nf->nf_ref` and `nf`, `nf->nf_mark` for `nf->nf_mark` and `&nf->nf_mark->nfm_ref`.
   */
  object?: string;
  /** Root identifier of the expression (`nf` in `&nf->nf_lru`). */
  root?: string;
  /** Last field accessed (`nf_ref` in `&nf->nf_ref`). */
  field?: string;
  /** The argument is a bare identifier (possibly a function name, resolved later). */
  ident?: string;
  /** Struct type named by a masked `struct X` argument. */
  structType?: string;
}

export interface CallFact {
  callee: string;
  args: ArgFact[];
  at: Span;
  /** CFG node holding the call. */
  node: number;
  /** The result is discarded (the call is a whole expression statement). */
  discarded: boolean;
  /** Variable the result is assigned to (`v = call(...)`, `T *v = call(...)`). */
  assignedTo?: string;
  /** The call is the returned expression (possibly negated or cast). */
  returned?: boolean;
  /**
   * The result is stored through a pointer or into a field (`p->owner = get(x)`,
   * also through one-argument conversions: `p->f = to_outer(get(x))`).
   */
  stored?: boolean;
  /** For an indirect call `x->ops->fn(...)`: the text of the expression holding the pointer (`x->ops`). */
  receiver?: string;
}

/** A value test in a branch condition: on the `true` edge, call `call` returned `whenTrue`. */
export interface CondTest {
  /** Index into FunctionFacts.calls of the tested call, or a variable holding its result. */
  call?: number;
  variable?: string;
  /** With `variable`: the test is `variable == equals` (a constant's text), not truthiness. */
  equals?: string;
  /** With `variable`: the test is `variable < 0` (its sign), not truthiness. */
  negative?: boolean;
  /** Value the tested expression has on the true edge / false edge (undefined: unknown). */
  onTrue?: boolean;
  onFalse?: boolean;
}

export type ReturnClass = 'void' | 'errno' | 'null' | 'zero' | 'value' | 'variable';

export interface CfgNode {
  id: number;
  kind: 'entry' | 'exit' | 'stmt' | 'cond' | 'return' | 'label';
  line: number;
  /** Successors; for cond nodes [trueSucc, falseSucc], for switch every case. */
  succ: number[];
  /** Calls evaluated in this node, in evaluation order (indices into calls). */
  calls: number[];
  /** Variables (re)assigned here, with the call index providing the value when it is a call. */
  /** `constant`: the value is a constant's text (`-EFAULT`, `0`), for the value domain. */
  assigns: { variable: string; fromCall?: number; fromVariable?: string; constant?: string }[];
  /** Variables stored somewhere that outlives the function (`*p = v`, `p->f = v`). */
  escapes: string[];
  tests: CondTest[];
  /** Pointers compared with each other in this condition (`a == b`, `a != b`): maybe one object. */
  compares?: [string, string][];
  returnClass?: ReturnClass;
  returnsVariable?: string;
}

export interface RegistrationFact {
  /** Function name bound as a callback. */
  handler: string;
  /** How: ops field (".handle_inode_event"), macro or call name (INIT_WORK, call_rcu, ...). */
  via: string;
  /** Work item key for workqueue bindings (last member or variable name). */
  item?: string;
  /** Struct type of the ops initializer, if known. */
  struct?: string;
  at: Span;
  /** Function in which the registration appears (undefined at file scope). */
  inFunction?: string;
  /** Context of a further callback bound by the same call (a threaded IRQ's thread_fn). */
  context?: ContextKind;
}

export interface FunctionFacts {
  name: string;
  file: string;
  span: Span;
  isStatic: boolean;
  hasParseErrors: boolean;
  params: string[];
  /** Variable name -> struct type, from declarations and parameters. */
  varTypes: Record<string, string>;
  /**
   * Variable name -> declared C type (`struct foo *`, `foo_t`, see types/cType.ts), parameters
   * and locals. A name declared again with another type in an inner block is in `scoped`.
   */
  declTypes?: Record<string, string>;
  /** Declarations of names declared more than once with different types, with their block's lines. */
  scoped?: { name: string; type: string; fromLine: number; toLine: number }[];
  /** Declared return type. */
  returns?: string;
  /** Lock-annotation and attribute words stated on the definition. */
  /**
   * Locals declared with a scope cleanup (`__free(put)`, `__cleanup(fn)`): the cleanup
   * runs at every exit of their scope, so a reference they hold is released there.
   */
  scopedFree?: string[];
  annotations: string[];
  calls: CallFact[];
  cfg: CfgNode[];
  /** Function identifiers used as values (callbacks passed or stored). */
  functionRefs: { name: string; at: Span; call?: number }[];
  /**
   * Scope-based locks (cleanup.h): `guard(class)(&lock)` holds the lock from the
   * statement to the end of its block, `scoped_guard(class, &lock) { ... }` for the body.
   */
  lockScopes?: LockScope[];
}

export interface LockScope {
  /** Guard class (spinlock, spinlock_irqsave, mutex, rcu, ...). */
  guard: string;
  /** The lock expression's text (`&t->lock`); empty for classes without one (rcu). */
  lock: string;
  /** The lock is held for calls from `at` to `endLine`/`endColumn`. */
  at: Span;
}

export interface FileFacts {
  file: string;
  functions: FunctionFacts[];
  registrations: RegistrationFact[];
  /** Struct type -> refcount-like fields (refcount_t, struct kref, atomic_t). */
  refFields: { struct: string; field: string; kind: 'refcount_t' | 'kref' | 'atomic_t' }[];
  exported: string[];
  masked: MaskedMacro[];
  errorFunctions: string[];
  /** File-level problems (unbalanced braces or #if blocks, syntax errors outside functions). */
  problems: string[];
  /**
   * Every function-valued field assignment or initializer (`.cb = fn`, `x->cb = fn`), with
   * the struct type of the initializer or the text of the assigned-to object and its function.
   */
  fieldBindings: {
    field: string;
    handler: string;
    at: Span;
    struct?: string;
    receiver?: string;
    inFunction?: string;
  }[];
  /** Global variables of struct type (for ops initializers and work items). */
  globals: Record<string, string>;
  /** Declared types for the type environment (src/core/types). */
  types?: FileTypeFacts;
}

/** What a file declares about types: the input of the type environment. Types are cType strings. */
export interface FileTypeFacts {
  /** `struct foo` / `union foo` -> field -> declared type; anonymous members flattened in. */
  structs: Record<string, Record<string, string>>;
  /** typedef name -> type. */
  typedefs: Record<string, string>;
  /** Global variable -> type. */
  globals: Record<string, string>;
  /** Function -> return type, from definitions and prototypes. */
  returns: Record<string, string>;
}
