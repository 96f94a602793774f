// "Lifecycle Lens: Build Kernel Tree Index": the whole tree's summary index,
// built in the analysis worker (on the index's own threads) with a cancellable
// progress notification.
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { IndexStats } from '../node/index/indexBuild';
import { findKernelTree } from '../node/index/kernelTree';
import { AnalysisClient } from './analysisClient';
import { builtMessage, progressMessage } from './indexProgress';
import type { Log } from './log';
import { resolveKernelTreeSetting } from './programs';
import { UserError } from './settings';

/** The configured tree, else the tree of the active file, else that of a workspace folder. */
export function kernelTreeSetting(value: string): string | undefined {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  return resolveKernelTreeSetting(value, folders, os.homedir());
}

function treeToIndex(setting: string): string {
  const configured = kernelTreeSetting(setting);
  if (configured) return configured;
  const active = vscode.window.activeTextEditor?.document.uri;
  const starts = [
    ...(active?.scheme === 'file' ? [active.fsPath] : []),
    ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  ];
  for (const s of starts) {
    const t = findKernelTree(s);
    if (t) return t;
  }
  throw new UserError(
    'no kernel tree to index: open a file of a kernel tree (a directory with include/linux and fs or kernel), or set lifecycleLens.kernelTree',
  );
}

/** Trees whose index was offered once (per session). */
const offered = new Set<string>();

/**
 * Once per tree and session, when an analysis summarised a tree's callees on
 * demand (no index yet): offers to index the whole tree.
 */
export function offerTreeIndex(
  trees: readonly string[] | undefined,
  build: (tree: string) => void,
): void {
  const tree = trees?.find((t) => !offered.has(t));
  if (!tree) return;
  offered.add(tree);
  void vscode.window
    .showInformationMessage(
      `Lifecycle Lens: ${tree} has no summary index yet; callees outside the open files are summarised on demand. Index the whole tree (minutes, in the background, cancellable)?`,
      'Build Kernel Tree Index',
    )
    .then((pick) => pick && build(tree));
}

/** Trees being indexed now: one build per tree at a time (both would write its files). */
const running = new Set<string>();

/**
 * Builds the index on a worker of its own (the analysis worker may be busy for
 * minutes summarising the same tree on demand), configured like `analysis`
 * (same catalogs: records of another catalog would be stale), and tells
 * `analysis` when the tree's index is being written and when it is done.
 */
export async function buildKernelTreeIndex(
  analysis: AnalysisClient,
  workerScript: string,
  setting: string,
  log: Log,
  /** A tree named by the caller (the offer above); else the configured or found one. */
  given?: string,
): Promise<IndexStats | undefined> {
  const tree = given ?? treeToIndex(setting);
  if (running.has(tree)) throw new UserError(`${tree} is being indexed already`);
  running.add(tree);
  const client = new AnalysisClient(workerScript, (l) => log.error(l));
  analysis.treeIndex(tree, 'building');
  log.info(`index ${tree}: start`);
  let stats: IndexStats;
  try {
    await client.configureLike(analysis);
    stats = await progressOf(client, tree, log);
  } finally {
    running.delete(tree);
    analysis.treeIndex(tree, 'built');
    await client.stop();
  }
  offered.add(tree); // built (or stopped by the user): not offered again
  const msg = builtMessage(tree, stats);
  log.info(msg);
  void vscode.window.showInformationMessage(`Lifecycle Lens: ${msg}`);
  return stats;
}

/** The build with its notification: progress, rate, ETA, and Cancel. */
function progressOf(client: AnalysisClient, tree: string, log: Log): Thenable<IndexStats> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Lifecycle Lens: indexing ${tree}`,
      cancellable: true,
    },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => {
        log.info(`index ${tree}: cancelled by the user; finishing the files in progress`);
        abort.abort();
      });
      const started = performance.now();
      let shown = 0;
      try {
        return await client.buildTreeIndex(tree, {
          signal: abort.signal,
          onProgress: (p) => {
            // The bar moves by the share of bytes done since the last report.
            const pct = p.bytesTotal ? (100 * p.bytesDone) / p.bytesTotal : 100;
            progress.report({
              increment: pct - shown,
              message: progressMessage(p, performance.now() - started),
            });
            shown = pct;
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
}
