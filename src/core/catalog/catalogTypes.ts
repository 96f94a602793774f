// Shape of the primitive catalog. The JSON Schema in catalog.schema.json says
// the same for user files; catalog.test.ts keeps the two in step.
import type { CallRole, ContextKind, ReleaseKind } from '../model';

/** A function or macro whose meaning the analyzer knows. */
export interface CallEntry {
  name: string;
  role: CallRole;
  /** Argument index (0-based) naming the object, refcount or list operated on. */
  arg?: number;
  /** For ref-final-put entries with a release callback (kref_put): its argument index. */
  releaseArg?: number;
  /**
   * For register/defer entries: argument index of the callback or work item.
   * Negative counts from the end (-1: the last argument), for calls whose
   * leading parameters changed across kernel versions (svc_create_pooled).
   */
  callbackArg?: number;
  /** Further callbacks bound by the same call, each with its context (threaded IRQs). */
  moreCallbacks?: { arg: number; context: ContextKind }[];
  /** Context a registered callback or deferred work runs in. */
  context?: ContextKind;
  /** For defer entries whose argument is a work item, not a function. */
  workItem?: boolean;
  /** For release entries. */
  release?: ReleaseKind;
  /** The call may sleep. */
  sleeps?: boolean;
  /** Why the call sleeps or not, from the kernel source (for release entries). */
  sleepReason?: string;
  /** For lock/unlock entries: the region is atomic (no sleeping inside). */
  atomic?: boolean;
  /** For lock entries with a fixed region name (rcu_read_lock has no argument). */
  lockName?: string;
  /** Final put that returns with the lock held (refcount_dec_and_lock). */
  acquiresLockArg?: number;
  /** A put that only drops when it returns true (refcount_dec_not_one). */
  conditional?: boolean;
  /** For *_sub_and_test: argument index of the amount dropped. */
  amountArg?: number;
  /** Refcount flavour the entry works on. */
  refKind?: 'refcount_t' | 'kref' | 'atomic_t';
  doc?: string;
}

/** A callback slot in an ops struct or notifier block. */
export interface OpsFieldEntry {
  field: string;
  /** Struct type the field belongs to, when the field name alone is ambiguous. */
  struct?: string;
  context: ContextKind;
  doc?: string;
}

/** A statement-like or declaration-like macro that binds a handler (DECLARE_DELAYED_WORK). */
export interface DeclMacroEntry {
  name: string;
  /** Argument index of the work item name and of the handler. */
  itemArg: number;
  handlerArg: number;
  context: ContextKind;
}

/** A container_of-style macro: its result points to the struct type named at argument `typeArg`. */
export interface ContainerMacroEntry {
  name: string;
  typeArg: number;
  /**
   * The argument that points at a member of the result (container_of's first): result and
   * argument are one object under two names. Absent when the macro reads another pointer
   * out of it (list_first_entry() follows `head->next`).
   */
  memberArg?: number;
}

/** A cleanup.h lock guard class: `guard(name)(&lock)` / `scoped_guard(name, &lock)`. */
export interface LockGuardEntry {
  name: string;
  /** The region is atomic (spinlocks, RCU read side). */
  atomic?: boolean;
  /** Region name for classes without a lock argument (rcu). */
  lockName?: string;
}

export interface Catalog {
  /** Identifies the catalog in reports ("builtin", or a user file path). */
  sources: string[];
  calls: CallEntry[];
  opsFields: OpsFieldEntry[];
  declMacros: DeclMacroEntry[];
  /** Iterator macros (loops whose body follows the macro call), beyond the *for_each* pattern. */
  iteratorMacros: string[];
  /** Attribute words masked before parsing. */
  attributeWords: string[];
  /** Annotations with arguments placed after a function's parameter list. */
  lockAnnotations: string[];
  /** container_of / list_entry style macros, for typing their results. */
  containerMacros?: ContainerMacroEntry[];
  /** cleanup.h lock guard classes. */
  lockGuards: LockGuardEntry[];
  /**
   * Tests that, guarding a release, decide which objects it tears down (list emptiness, error
   * pointers); refcount and bit tests are known from their call roles.
   */
  guardTests?: string[];
  /**
   * Prefixes of tracepoint and logging calls (`trace_`, `pr_`, ...): they say nothing about
   * behaviour or ownership, so call shapes, wrappers and guesses about unseen callees leave them out.
   */
  loggingPrefixes?: string[];
}

/** What a user catalog file may contain: any subset of the lists. */
export type CatalogFile = Partial<Omit<Catalog, 'sources'>> & { $schema?: string };
