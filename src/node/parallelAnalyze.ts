// Whole-program analysis with the per-file half spread over two cores: a worker
// thread extracts facts for about half of the text (by size), the main thread the
// rest; the program-wide analysis then runs once on the main thread. Small inputs,
// one-core machines and a missing worker bundle stay on one thread.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  analyzeFacts,
  extractSources,
  type AnalyzeOptions,
  type SourceFile,
} from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport, ProgramModel } from '../core/model';

/** Below this much source text a second thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 256 * 1024;

type WorkerReply =
  { ok: true; files: FileFacts[]; reports: ParseReport[] } | { ok: false; error: string };

export async function analyzeSourcesParallel(
  sources: SourceFile[],
  options: AnalyzeOptions & { workerScript: string; wasmDirs: string[]; minParallelBytes?: number },
): Promise<ProgramModel> {
  const catalog = options.catalog ?? new CatalogIndex();
  const bytes = sources.reduce((n, s) => n + s.text.length, 0);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  if (
    cores < 2 ||
    bytes < (options.minParallelBytes ?? PARALLEL_MIN_BYTES) ||
    !fs.existsSync(options.workerScript)
  ) {
    const { files, reports } = extractSources(sources, { ...options, catalog });
    return analyzeFacts(files, catalog, reports, undefined, options.summaries);
  }
  // Largest files first, each to the lighter share.
  const shares: SourceFile[][] = [[], []];
  const load = [0, 0];
  for (const s of [...sources].sort((a, b) => b.text.length - a.text.length)) {
    const k = load[0] <= load[1] ? 0 : 1;
    shares[k].push(s);
    load[k] += s.text.length;
  }
  const worker = new Worker(options.workerScript, {
    workerData: {
      sources: shares[1],
      catalog: catalog.catalog,
      wasmDirs: options.wasmDirs,
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
    },
  });
  const remote = new Promise<WorkerReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const local = extractSources(shares[0], { ...options, catalog });
  const reply = await remote.finally(() => void worker.terminate());
  if (!reply.ok) throw new Error(`analysis worker failed: ${reply.error}`);
  // Back into the caller's order, so reports and models do not depend on the split.
  const facts = new Map([...local.files, ...reply.files].map((f) => [f.file, f]));
  const reports = new Map([...local.reports, ...reply.reports].map((r) => [r.file, r]));
  const files = sources
    .map((s) => facts.get(s.path))
    .filter((f): f is FileFacts => f !== undefined);
  const ordered = sources
    .map((s) => reports.get(s.path))
    .filter((r): r is ParseReport => r !== undefined);
  return analyzeFacts(files, catalog, ordered, undefined, options.summaries);
}
