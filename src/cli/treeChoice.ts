// Where an analysis from the command line gets summaries of callees outside
// the analysed files: --tree, --no-tree, or the kernel tree the files sit in.
import type { CatalogIndex } from '../core/catalog/catalog';
import { summariesFor, TreeError } from '../node/index/summarySource';
import type { nodeParser } from '../node/wasmFiles';
import { UsageError, type CliArgs } from './args';
import { writeErr } from './stdio';

/** Callee summaries for `paths` (their kernel tree, or shipped facts), said once in logs. */
export function treeSummaries(
  args: CliArgs,
  paths: string[],
  catalog: CatalogIndex,
  parser: Awaited<ReturnType<typeof nodeParser>> | (() => Awaited<ReturnType<typeof nodeParser>>),
): ReturnType<typeof summariesFor> {
  try {
    const chosen = summariesFor(
      paths,
      {
        ...(args.tree !== undefined ? { tree: args.tree } : {}),
        ...(args.noTree ? { noTree: true } : {}),
        ...(args.cacheDir !== undefined ? { cacheDir: args.cacheDir } : {}),
      },
      catalog,
      parser,
    );
    // An index this version cannot use makes the run slower: said even without --verbose.
    if (args.verbose || chosen.outdatedIndex) writeErr(`lifecycle-lens: callees: ${chosen.how}\n`);
    return chosen;
  } catch (e) {
    if (e instanceof TreeError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Once the analyses ran: keeps what each source summarised on demand (so the
 * next run reads it back instead of summarising again) and prints their notes
 * (lazy build limits, index problems), each once.
 */
export function finishTreeSummaries(
  ...chosen: (ReturnType<typeof summariesFor> | undefined)[]
): void {
  const notes = new Set(chosen.flatMap((c) => c?.notes() ?? []));
  for (const n of notes) writeErr(`lifecycle-lens: ${n}\n`);
}
