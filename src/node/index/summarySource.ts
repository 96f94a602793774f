// Which summaries an analysis of some files gets for callees outside them: the
// kernel tree the files sit in (its index when current, else built on demand),
// then the shipped helper facts (lone files with no tree).
import fs from 'node:fs';
import { chainSources, SummaryList, type SummarySource } from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import { HELPER_FACTS } from '../../core/catalog/helperFacts';
import type { CParser } from '../../core/parse/cParser';
import { findKernelTree, isKernelTree } from './kernelTree';
import { defaultCacheDir } from './indexStore';
import { IndexedSummaries, LazySummaries } from './treeSummaries';

export interface TreeChoice {
  /** --tree DIR (or the editor setting); undefined: found from the files. */
  tree?: string;
  /** --no-tree: only the shipped helper facts. */
  noTree?: boolean;
  cacheDir?: string;
}

export interface ChosenSummaries {
  source: SummarySource;
  tree?: string;
  /** One line for logs: where callee summaries come from. */
  how: string;
  /** Callees' files are summarised during the analysis: how much work that is is not known. */
  onDemand?: true;
  /** The tree has an index, but one this version cannot use: worth saying even without --verbose. */
  outdatedIndex?: true;
  /**
   * Once the analysis ran: keeps what was summarised on demand, and returns the
   * messages worth showing (lazy build limits, index problems).
   */
  notes: () => string[];
}

export class TreeError extends Error {}

/** Shipped derived facts about common kernel helpers, for files outside any tree. */
export const helperFacts = new SummaryList(HELPER_FACTS);

/**
 * `parser` may be a getter: it is called only when callees are summarised on
 * demand (onDemand), so a caller with an index need not create one.
 */
export function summariesFor(
  paths: string[],
  choice: TreeChoice,
  catalog: CatalogIndex,
  parser: CParser | (() => CParser),
): ChosenSummaries {
  const shipped: ChosenSummaries = {
    source: helperFacts,
    how: `shipped facts for ${helperFacts.size} kernel helpers (no kernel tree)`,
    notes: () => [],
  };
  if (choice.noTree) return shipped;
  let tree = choice.tree;
  if (tree !== undefined) {
    if (!fs.existsSync(tree)) throw new TreeError(`--tree ${tree}: no such directory`);
    if (!isKernelTree(tree))
      throw new TreeError(
        `--tree ${tree}: not a kernel tree (needs include/linux and fs or kernel)`,
      );
  } else {
    for (const p of paths) {
      tree = findKernelTree(p);
      if (tree) break;
    }
  }
  if (!tree) return shipped;
  const cacheDir = choice.cacheDir ?? defaultCacheDir();
  const indexed = IndexedSummaries.open(tree, cacheDir, catalog);
  if (indexed instanceof IndexedSummaries)
    return {
      source: chainSources(indexed, helperFacts),
      tree,
      how: `index of ${tree}`,
      notes: () => indexed.problems.slice(0, 5),
    };
  const getParser = typeof parser === 'function' ? parser : () => parser;
  const lazy = new LazySummaries(tree, getParser, catalog, paths, cacheDir);
  return {
    source: chainSources(lazy, helperFacts),
    tree,
    how: `${indexed.missing}; summarising the callees' files of ${tree} on demand`,
    onDemand: true,
    ...(indexed.outdated ? { outdatedIndex: true as const } : {}),
    notes: () => {
      lazy.persist();
      return [...lazy.notes];
    },
  };
}
