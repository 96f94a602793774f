// Where a run's extraction worker comes from. A one-command process starts one
// per run and ends it after; a long-lived process (the command server) keeps
// it between runs, so that its WebAssembly is compiled and its hot JavaScript
// optimised already: a cold worker parses with V8's baseline code and spends
// its first files compiling.
import { Worker } from 'node:worker_threads';

let keepWarm = false;
/** The worker waiting for a next run; `drop` forgets it should it die meanwhile. */
let idle: { key: string; worker: Worker; drop: () => void } | undefined;

/** From now on, a worker that finished its run cleanly waits for the next one. */
export function keepExtractionWorkerWarm(): void {
  keepWarm = true;
}

/** A worker for one run; `release` it when the run is over (`healthy`: it finished cleanly). */
export interface WorkerLease {
  worker: Worker;
  /** Whether the worker ran an earlier run. */
  warm: boolean;
  release(healthy: boolean): void;
}

export function leaseExtractionWorker(script: string, wasmDirs: string[]): WorkerLease {
  const key = JSON.stringify([script, wasmDirs]);
  const waiting = idle;
  idle = undefined;
  if (waiting) {
    waiting.worker.off('error', waiting.drop);
    waiting.worker.off('exit', waiting.drop);
  }
  const kept = waiting?.key === key ? waiting.worker : undefined;
  if (waiting && !kept) void waiting.worker.terminate();
  const worker = kept ?? new Worker(script, { workerData: { wasmDirs } });
  kept?.ref();
  let released = false;
  return {
    worker,
    warm: kept !== undefined,
    release(healthy) {
      if (released) return;
      released = true;
      if (!keepWarm || !healthy) {
        // Nobody listens any more: an error it raises while ending must not bring us down.
        worker.on('error', () => undefined);
        void worker.terminate();
        return;
      }
      // Waiting for a next run must not keep the process alive, nor bring it down.
      worker.unref();
      const drop = () => {
        if (idle?.worker === worker) idle = undefined;
      };
      worker.once('error', drop);
      worker.once('exit', drop);
      idle = { key, worker, drop };
    },
  };
}
