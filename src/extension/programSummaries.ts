// Callee summaries for the worker's programs (worker side, no vscode): each
// program gets those of its kernel tree through the CLI's own lookup
// (summariesFor: the tree's index when current, else built lazily for just the
// callees asked for), kept between edits so an edit pays for none of it.
import path from 'node:path';
import type { CalleeSummary, ContextReach, SummarySource } from '../core/analysis/calleeSummary';
import type { CatalogIndex } from '../core/catalog/catalog';
import type { CParser } from '../core/parse/cParser';
import { findKernelTree } from '../node/index/kernelTree';
import { summariesFor, TreeError, type ChosenSummaries } from '../node/index/summarySource';
import { programTree } from './programs';

export interface TreeSettings {
  /** lifecycleLens.kernelTree, resolved to an absolute directory; undefined: found from the files. */
  kernelTree?: string;
  /** Where indexes live (default: the CLI's, LIFECYCLE_LENS_CACHE or the XDG cache). */
  cacheDir?: string;
}

/**
 * The summaries name files relative to the working directory (as the CLI prints
 * them); the editor's paths are absolute, whatever the worker's directory is.
 * Answers are kept: every edit's analysis asks again for the same callees.
 */
function absoluteFiles(source: SummarySource, cwd: string): SummarySource {
  const abs = (f: string) => path.resolve(cwd, f);
  const reach = (r: ContextReach[]) => r.map((x) => ({ ...x, file: abs(x.file) }));
  // By file, then name: no key strings built on the edit path.
  const summaries = new Map<string, Map<string, CalleeSummary | undefined>>();
  const reached = new Map<string, Map<string, ContextReach[] | undefined>>();
  const inFile = <T>(m: Map<string, Map<string, T>>, file: string): Map<string, T> => {
    let byName = m.get(file);
    if (!byName) m.set(file, (byName = new Map()));
    return byName;
  };
  const summary = (name: string, fromFile: string): CalleeSummary | undefined => {
    const byName = inFile(summaries, fromFile);
    if (byName.has(name)) return byName.get(name);
    const s = source.summary(name, fromFile);
    let out: CalleeSummary | undefined;
    if (s) {
      out = {
        ...s,
        file: abs(s.file),
        release: s.release.map((r) => ({ ...r, file: abs(r.file) })),
      };
      if (s.reachedIn) out.reachedIn = reach(s.reachedIn);
    }
    byName.set(name, out);
    return out;
  };
  if (!source.reachedIn) return { summary };
  const reachedIn = (name: string, file: string): ContextReach[] | undefined => {
    const byName = inFile(reached, file);
    if (byName.has(name)) return byName.get(name);
    const r = source.reachedIn?.(name, file);
    const out = r && reach(r);
    byName.set(name, out);
    return out;
  };
  return { summary, reachedIn };
}

export interface ProgramSource {
  source: SummarySource;
  /** Where the callees come from, for the log. */
  how: string;
  tree?: string;
}

export class ProgramSummaries {
  /** By program (its tree and files): kept while neither changes. */
  private readonly chosen = new Map<
    string,
    { chosen: ChosenSummaries; source: SummarySource; tree?: string }
  >();
  /** Trees whose index another thread is writing: their on-demand records wait. */
  private readonly building = new Set<string>();
  /** Programs analysed since the last afterAnalysis(): the others are dropped then. */
  private readonly used = new Set<string>();
  /** Messages not yet handed to the host (once each). */
  private readonly said = new Set<string>();
  private readonly fresh: string[] = [];

  constructor(
    private readonly settings: TreeSettings,
    private readonly catalog: CatalogIndex,
  ) {}

  /** The tree serving `paths` (a program's files). */
  treeOf(paths: readonly string[]): string | undefined {
    return programTree(paths, this.settings.kernelTree, findKernelTree);
  }

  /** Summaries for one program's callees outside `paths`. */
  sourceFor(paths: readonly string[], parser: CParser): ProgramSource {
    const tree = this.treeOf(paths);
    const key = `${tree ?? ''}\0${paths.join('\0')}`;
    let hit = this.chosen.get(key);
    if (!hit) {
      let chosen: ChosenSummaries;
      try {
        chosen = summariesFor(
          [...paths],
          {
            ...(this.settings.kernelTree ? { tree: this.settings.kernelTree } : {}),
            ...(this.settings.cacheDir ? { cacheDir: this.settings.cacheDir } : {}),
          },
          this.catalog,
          parser,
        );
      } catch (e) {
        if (!(e instanceof TreeError)) throw e;
        // A configured path that is no kernel tree: said once, then the trees found from the files.
        this.note(`lifecycleLens.kernelTree: ${e.message.replace(/^--tree /, '')}`);
        chosen = summariesFor(
          [...paths],
          this.settings.cacheDir ? { cacheDir: this.settings.cacheDir } : {},
          this.catalog,
          parser,
        );
      }
      hit = {
        chosen,
        source: absoluteFiles(chosen.source, process.cwd()),
        ...(chosen.tree ? { tree: chosen.tree } : {}),
      };
      this.chosen.set(key, hit);
      this.note(`callees of ${paths.length} file(s): ${chosen.how}`);
    }
    this.used.add(key);
    return {
      source: hit.source,
      how: hit.chosen.how,
      ...(hit.tree ? { tree: hit.tree } : {}),
    };
  }

  /** After an analysis: keeps what was summarised on demand; messages not said before. */
  afterAnalysis(): string[] {
    for (const [k, { chosen, tree }] of this.chosen) {
      // notes() also writes the on-demand records into the tree's files index.
      if (this.used.has(k) && !(tree && this.building.has(path.resolve(tree))))
        for (const n of chosen.notes()) this.note(n);
      else this.chosen.delete(k); // a program whose files changed, or that is gone
    }
    this.used.clear();
    return this.fresh.splice(0);
  }

  /** Trees of this analysis's programs that have no current index (summarised on demand). */
  treesWithoutIndex(): string[] {
    const out = new Set<string>();
    for (const k of this.used) {
      const hit = this.chosen.get(k);
      if (hit?.tree && hit.chosen.how !== `index of ${hit.tree}`) out.add(hit.tree);
    }
    return [...out];
  }

  /** Another thread starts writing the index of `tree`. */
  indexing(tree: string): void {
    this.building.add(path.resolve(tree));
  }

  /** The index of `tree` changed (built, refreshed): its programs look again. */
  forget(tree: string): void {
    const t = path.resolve(tree);
    this.building.delete(t);
    for (const [k, v] of this.chosen)
      if (v.tree && path.resolve(v.tree) === t) this.chosen.delete(k);
  }

  private note(m: string): void {
    if (this.said.has(m)) return;
    this.said.add(m);
    this.fresh.push(m);
  }
}
