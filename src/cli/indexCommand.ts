// `lifecycle-lens index`: builds or refreshes the summary index of kernel trees,
// one shard of it, or merges shards.
import fs from 'node:fs';
import path from 'node:path';
import type { CatalogIndex } from '../core/catalog/catalog';
import {
  buildIndex,
  catalogKey,
  closeAndWrite,
  mergeIndexes,
  type IndexStats,
} from '../node/index/indexBuild';
import { isKernelTree } from '../node/index/kernelTree';
import { combinedGeneration, writeFilesIndex, writeParts } from '../node/index/filesIndex';
import { defaultCacheDir, recordsOfEntry, treeIndexDir } from '../node/index/indexStore';
import { EXIT, UsageError, type CliArgs } from './args';
import { stderrIsTTY, writeErr } from './stdio';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runIndex(args: CliArgs, catalog: CatalogIndex): Promise<number> {
  const cacheDir = args.cacheDir ?? defaultCacheDir();
  const log = (m: string) => {
    if (!args.quiet) writeErr(`lifecycle-lens: ${m}\n`);
  };
  if (args.paths[0] === 'merge') return runMerge(args, catalog, cacheDir, log);
  if (!args.paths.length) throw new UsageError('index needs at least one kernel tree');
  if (args.shard && !args.output) throw new UsageError('index --shard needs -o FILE for the shard');
  if (args.shard && args.paths.length > 1) throw new UsageError('index --shard takes one tree');
  for (const root of args.paths) {
    if (!fs.existsSync(root)) throw new UsageError(`${root}: no such directory`);
    if (!isKernelTree(root))
      throw new UsageError(`${root}: not a kernel tree (needs include/linux and fs or kernel)`);
  }
  const tty = !args.quiet && stderrIsTTY();
  for (const root of args.paths) {
    log(
      `index ${root}${args.shard ? ` shard ${args.shard.i}/${args.shard.n}` : ''}: start (cache ${cacheDir})`,
    );
    const started = performance.now();
    let last = 0;
    const stats = await buildIndex({
      root,
      cacheDir,
      catalog,
      wasmDirs: [__dirname],
      workerScript: path.join(__dirname, 'indexWorker.js'),
      statWorker: path.join(__dirname, 'statWorker.js'),
      tuneHeapForClosure: true,
      ...(args.shard ? { shard: args.shard } : {}),
      ...(args.output ? { out: args.output } : {}),
      log,
      onProgress: tty
        ? (p) => {
            const now = performance.now();
            if (now - last < 200 && p.done < p.total) return;
            last = now;
            const s = (now - started) / 1000;
            const rate = p.bytesDone / 1048576 / Math.max(s, 0.001);
            const eta = rate > 0 ? (p.bytesTotal - p.bytesDone) / 1048576 / rate : 0;
            writeErr(
              `\r[${p.done}/${p.total}] ${mib(p.bytesDone)} of ${mib(p.bytesTotal)}, ${rate.toFixed(2)} MiB/s, ETA ${Math.ceil(eta)} s   `,
            );
          }
        : undefined,
    });
    if (tty) writeErr('\r' + ' '.repeat(78) + '\r');
    log(describeStats(root, stats));
  }
  return EXIT.ok;
}

export function describeStats(root: string, s: IndexStats): string {
  return (
    `index ${root}: end: ${s.files} files (${mib(s.sourceBytes)}), ${s.indexed} indexed, ${s.reused} unchanged, ` +
    `${s.removed} removed, ${s.functions} functions, index ${mib(s.indexBytes)}, ` +
    `${secs(s.ms.total)} (list ${secs(s.ms.list)}, summarise ${secs(s.ms.index)}, write ${secs(s.ms.write)}, close ${secs(s.ms.close)})` +
    (s.incremental
      ? `, closed incrementally (${s.incremental.summaries} summaries rewritten in ${s.incremental.buckets} buckets; ${s.incremental.cone} callers in the cone, ${s.incremental.reclosed} re-closed, ${s.incremental.reset} contexts redone; up ${secs(s.incremental.ms.up)}, down ${secs(s.incremental.ms.down)}, write ${secs(s.incremental.ms.write)})`
      : '') +
    (s.problems ? `, ${s.problems} problem(s) found and rebuilt` : '')
  );
}

function runMerge(
  args: CliArgs,
  catalog: CatalogIndex,
  cacheDir: string,
  log: (m: string) => void,
): number {
  const inputs = args.paths.slice(1);
  if (inputs.length < 1) throw new UsageError('index merge needs the shard files to merge');
  for (const f of inputs) if (!fs.existsSync(f)) throw new UsageError(`${f}: no such file`);
  let merged;
  try {
    merged = mergeIndexes(inputs, catalogKey(catalog));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const p of merged.problems) log(p);
  if (args.output) {
    writeFilesIndex(args.output, merged.header, merged.entries);
    log(`merged ${inputs.length} shard(s), ${merged.entries.length} files, into ${args.output}`);
    return merged.problems.length ? EXIT.input : EXIT.ok;
  }
  // Installed into the cache for the tree the shards were built from.
  const dir = treeIndexDir(cacheDir, merged.header.root);
  const parts = writeParts(dir, merged.header, merged.entries);
  closeAndWrite(
    dir,
    { ...merged.header, generation: combinedGeneration(parts), kind: 'closed' },
    merged.entries.map(recordsOfEntry),
  );
  log(
    `merged ${inputs.length} shard(s), ${merged.entries.length} files, into the index of ${merged.header.root}`,
  );
  return merged.problems.length ? EXIT.input : EXIT.ok;
}
