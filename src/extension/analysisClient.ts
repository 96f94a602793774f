// Host side of the analysis worker. vscode-free (tests and benchmarks drive it
// directly). Starts the worker on first use, serialises requests, cancels
// superseded analyses, and restarts the worker when it dies or is stopped.
import { Worker } from 'node:worker_threads';
import type { SourceFile } from '../core/analysis/analyze';
import type { ComparisonResult, SeriesComparison } from '../core/compare/compareTypes';
import type { ProgramModel } from '../core/model';
import type { IndexProgress, IndexStats } from '../node/index/indexBuild';
import type { AnalyzeTimings, CatalogText, WorkerRequest, WorkerResponse } from './workerProtocol';

export class CancelledError extends Error {
  constructor() {
    super('analysis cancelled');
    this.name = 'CancelledError';
  }
}

export class WorkerError extends Error {
  constructor(
    message: string,
    readonly kind?: string,
  ) {
    super(message);
    this.name = kind ?? 'WorkerError';
  }
}

export type PartialResult = Extract<WorkerResponse, { type: 'partial' }>;
export type FindingsResult = Extract<WorkerResponse, { type: 'findings' }>;

interface Pending {
  resolve: (m: WorkerResponse) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number, file: string) => void;
  onPartial?: (p: PartialResult) => void;
  onFindings?: (f: FindingsResult) => void;
  onIndexProgress?: (p: IndexProgress) => void;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = Distribute<
  Exclude<WorkerRequest, { type: 'configure' } | { type: 'cancel' } | { type: 'extract' }>
>;

export interface AnalysisResult {
  model: ProgramModel;
  timings: AnalyzeTimings;
}

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private config: Extract<WorkerRequest, { type: 'configure' }> = {
    type: 'configure',
    catalogs: [],
    maxFileBytes: 2 * 1024 * 1024,
  };
  private configured: Promise<{ problems: string[]; catalogSources: string[] }> | undefined;
  private configuredResolve:
    ((v: { problems: string[]; catalogSources: string[] }) => void) | undefined;
  /** Told before an analysis summarises a tree's callees on demand (it has no index). */
  onTreesWithoutIndex: ((trees: string[]) => void) | undefined;
  /** Texts sent to the worker, by path (a restarted or reconfigured worker gets them again). */
  private readonly known = new Map<string, string>();
  /** The worker's fact cache is empty (new worker, or a new catalog): resend everything. */
  private resendAll = false;

  constructor(
    private readonly script: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get started(): boolean {
    return !!this.worker;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    // A larger young generation: re-analysis allocates many short-lived objects, and the
    // default worker nursery makes it spend a tenth of its time in scavenges.
    const w = new Worker(this.script, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    this.worker = w;
    this.resendAll = this.known.size > 0;
    w.on('message', (m: WorkerResponse) => this.onMessage(m));
    w.on('error', (e) => {
      this.log(`analysis worker error: ${e.stack ?? e.message}`);
      this.fail(new WorkerError(`analysis worker failed: ${e.message}`));
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      if (code !== 0) this.log(`analysis worker exited with code ${code}`);
      this.fail(new WorkerError(`analysis worker stopped (exit code ${code})`));
    });
    this.configured = new Promise((r) => (this.configuredResolve = r));
    w.postMessage(this.config);
    return w;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private onMessage(m: WorkerResponse): void {
    if (m.type === 'configured') {
      this.configuredResolve?.({ problems: m.problems, catalogSources: m.catalogSources });
      return;
    }
    if (m.type === 'trees-without-index') {
      this.onTreesWithoutIndex?.(m.trees);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.done, m.total, m.file);
      return;
    }
    if (m.type === 'partial') {
      p.onPartial?.(m);
      return;
    }
    if (m.type === 'findings') {
      p.onFindings?.(m);
      return;
    }
    if (m.type === 'index-progress') {
      p.onIndexProgress?.(m);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'error') p.reject(new WorkerError(m.message, m.kind));
    else if (m.type === 'cancelled') p.reject(new CancelledError());
    else p.resolve(m);
  }

  /** Sets catalogs and size limit; the worker drops its cache (facts depend on the catalog). */
  configure(
    catalogs: CatalogText[],
    maxFileBytes: number,
    tuning: { quickFirstAboveMs?: number; kernelTree?: string; cacheDir?: string } = {},
  ): Promise<{ problems: string[]; catalogSources: string[] }> {
    this.config = { type: 'configure', catalogs, maxFileBytes, ...tuning };
    this.resendAll = this.known.size > 0;
    if (!this.worker) {
      this.ensure();
    } else {
      this.configured = new Promise((r) => (this.configuredResolve = r));
      this.worker.postMessage(this.config);
    }
    return this.configured as Promise<{ problems: string[]; catalogSources: string[] }>;
  }

  private request(
    req: Request,
    callbacks: Pick<Pending, 'onProgress' | 'onPartial' | 'onFindings' | 'onIndexProgress'> = {},
  ): { id: number; done: Promise<WorkerResponse> } {
    const w = this.ensure();
    const id = this.nextId++;
    const done = new Promise<WorkerResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...callbacks });
    });
    w.postMessage({ ...req, id } as WorkerRequest);
    return { id, done };
  }

  /**
   * Sends changed files (unchanged texts are skipped inside the worker) and
   * returns the new whole-program model. `signal` cancels between files.
   * With `onFindings` (an editor edit), the whole program's findings arrive
   * before the model, and `onPartial` may get the edited files' own first.
   */
  async analyze(
    upserts: SourceFile[],
    removed: string[],
    opts: Pick<Pending, 'onProgress' | 'onPartial' | 'onFindings'> & {
      signal?: AbortSignal;
    } = {},
  ): Promise<AnalysisResult> {
    this.ensure();
    for (const r of removed) this.known.delete(r);
    let changed = upserts.filter((s) => this.known.get(s.path) !== s.text);
    if (this.resendAll) {
      const fresh = new Set(upserts.map((s) => s.path));
      changed = [...upserts, ...this.knownSources().filter((s) => !fresh.has(s.path))];
      this.resendAll = false;
    }
    const { id, done } = this.request(
      {
        type: 'analyze',
        upserts: changed,
        removed,
        quick: !!(opts.onPartial || opts.onFindings),
      },
      opts,
    );
    const onAbort = () => this.worker?.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const m = await done;
      if (m.type !== 'analysis') throw new WorkerError(`unexpected reply ${m.type}`);
      for (const s of changed) this.known.set(s.path, s.text);
      return { model: m.model, timings: m.timings };
    } catch (e) {
      if (!(e instanceof CancelledError)) this.resendAll = this.known.size > 0;
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Has the worker extract `sources` now, without analysing (an editor does this
   * while the debounce runs); the next `analyze` with the same texts skips them.
   */
  prefetch(sources: SourceFile[]): void {
    this.ensure().postMessage({ type: 'extract', sources } satisfies WorkerRequest);
  }

  /** Everything the worker has been sent, for re-sending after a restart. */
  knownSources(): SourceFile[] {
    return [...this.known].map(([p, text]) => ({ path: p, text }));
  }

  async compareTexts(
    before: { label: string; sources: SourceFile[] },
    after: { label: string; sources: SourceFile[] },
  ): Promise<Extract<WorkerResponse, { type: 'comparison' }>> {
    const m = await this.request({ type: 'compare-texts', before, after }).done;
    if (m.type !== 'comparison') throw new WorkerError(`unexpected reply ${m.type}`);
    return m;
  }

  async compareGit(
    req: Omit<Extract<WorkerRequest, { type: 'compare-git' }>, 'id' | 'type'>,
  ): Promise<Extract<WorkerResponse, { type: 'comparison' }>> {
    const m = await this.request({ type: 'compare-git', ...req }).done;
    if (m.type !== 'comparison') throw new WorkerError(`unexpected reply ${m.type}`);
    return m;
  }

  async compareSeries(
    req: Omit<Extract<WorkerRequest, { type: 'compare-series' }>, 'id' | 'type'>,
  ): Promise<{ result: SeriesComparison; ms: number }> {
    const m = await this.request({ type: 'compare-series', ...req }).done;
    if (m.type !== 'series') throw new WorkerError(`unexpected reply ${m.type}`);
    return m;
  }

  /** The same catalogs, limits and tree settings as `other` (a second worker for index builds). */
  configureLike(other: AnalysisClient): Promise<{ problems: string[]; catalogSources: string[] }> {
    const { catalogs, maxFileBytes, type: _t, ...tuning } = other.config;
    void _t;
    return this.configure(catalogs, maxFileBytes, tuning);
  }

  /** Tells the worker another thread builds (or has built) the index of `tree`. */
  treeIndex(tree: string, state: 'building' | 'built'): void {
    this.worker?.postMessage({ type: 'tree-index', tree, state } satisfies WorkerRequest);
  }

  /**
   * Indexes the whole kernel tree `tree` in the worker (on the index's threads).
   * `signal` stops it cleanly: the files done are kept, `stats.cancelled` is set.
   */
  async buildTreeIndex(
    tree: string,
    opts: { onProgress?: (p: IndexProgress) => void; signal?: AbortSignal } = {},
  ): Promise<IndexStats> {
    const { id, done } = this.request(
      { type: 'build-index', tree },
      opts.onProgress ? { onIndexProgress: opts.onProgress } : {},
    );
    const onAbort = () => this.worker?.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const m = await done;
      if (m.type !== 'index-built') throw new WorkerError(`unexpected reply ${m.type}`);
      return m.stats;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Hard stop: terminates the worker (running work is lost; the next request restarts it). */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    this.fail(new CancelledError());
    await w.terminate();
  }
}

export type { ComparisonResult };
