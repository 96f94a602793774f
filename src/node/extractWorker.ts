// Worker thread: extracts facts (parse, mask, CFGs) for the files it takes from
// the queue it shares with the main thread, and posts each file's as it is done.
// The program-wide analysis stays on the main thread; facts are plain data and
// cross the thread boundary by structured clone. Each run is a Job message, so
// that a long-lived process can keep one worker, compiled and warm, for many
// (extractWorkerPool.ts).
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { extractSource, type SourceFile } from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { Catalog } from '../core/catalog/catalogTypes';
import { drainQueue, keepFacts, type FactsKeeping, type WorkerMessage } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

interface Job {
  sources: SourceFile[];
  /** Source indexes in the order they are taken. */
  order: number[];
  /** Shared with the main thread: the next position of `order` to take. */
  next: Int32Array;
  /** Where facts go, file by file, then a WorkerMessage saying how many. */
  port: MessagePort;
  catalog: Catalog;
  maxFileBytes?: number;
  /** Where to keep the facts of the files this thread extracts. */
  keeping?: FactsKeeping;
}

/**
 * The parser with its WebAssembly compiled on this thread. Compiling
 * asynchronously waits for V8's background threads, which the main thread's
 * JIT keeps busy while it extracts: the worker sat idle for 0.3 s before its
 * first file on a loaded machine.
 */
async function parserCompiledHere(dirs: string[]): ReturnType<typeof nodeParser> {
  const asyncInstantiate = WebAssembly.instantiate;
  const instantiate = (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => {
    if (source instanceof WebAssembly.Module)
      return Promise.resolve(new WebAssembly.Instance(source, imports));
    const module = new WebAssembly.Module(source);
    return Promise.resolve({ module, instance: new WebAssembly.Instance(module, imports) });
  };
  WebAssembly.instantiate = instantiate as typeof WebAssembly.instantiate;
  try {
    return await nodeParser(dirs);
  } finally {
    WebAssembly.instantiate = asyncInstantiate;
  }
}

const parsing = parserCompiledHere((workerData as { wasmDirs: string[] }).wasmDirs);
// Keeps the rejection for the first job to report, not an unhandled one.
parsing.catch(() => undefined);

function run(job: Job, parser: Awaited<typeof parsing>): void {
  const options = {
    parser,
    catalog: new CatalogIndex(job.catalog),
    ...(job.maxFileBytes !== undefined ? { maxFileBytes: job.maxFileBytes } : {}),
  };
  const send = (m: WorkerMessage) => job.port.postMessage(m);
  let kept = 0;
  const done = drainQueue(
    job.sources,
    job.order,
    job.next,
    (src) => extractSource(src, options),
    undefined,
    (file) => {
      send({ file });
      // After sending: the main thread may be waiting for this file.
      if (keepFacts(job.keeping, file)) kept++;
    },
  );
  send({ ok: true, files: done.length, kept });
}

// A parser that failed to load, or a run that threw, answers the job with why.
parentPort?.on('message', (job: Job) => {
  parsing
    .then((parser) => run(job, parser))
    .catch((e: unknown) => job.port.postMessage({ ok: false, error: (e as Error).message }));
});
