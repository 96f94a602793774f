// What the index build's progress notification says: files done of the total,
// the rate, and the time left at that rate (vscode-free, tested).
import type { IndexProgress, IndexStats } from '../node/index/indexBuild';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/** Seconds as "45 s", "3 min", "1 h 05 min". */
export function duration(s: number): string {
  if (s < 90) return `${Math.max(0, Math.round(s))} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "1234/29000 files, 5.1 MiB/s (40 files/s), about 3 min left" after `elapsedMs`. */
export function progressMessage(p: IndexProgress, elapsedMs: number): string {
  const s = Math.max(elapsedMs / 1000, 0.001);
  const rate = p.bytesDone / s;
  const head = `${p.done}/${p.total} files`;
  if (p.done === 0 || rate <= 0) return `${head}, starting`;
  const left = (p.bytesTotal - p.bytesDone) / rate;
  return `${head}, ${mib(rate)}/s (${Math.round(p.done / s)} files/s), about ${duration(left)} left`;
}

/** The closing line: what was indexed, or where a cancelled build stopped. */
export function builtMessage(tree: string, s: IndexStats): string {
  if (s.cancelled)
    return `Indexing ${tree} stopped: ${s.indexed} file(s) indexed and kept; building the index again continues from there.`;
  return `Indexed ${tree}: ${s.files} files (${mib(s.sourceBytes)}), ${s.indexed} indexed, ${s.reused} unchanged, ${s.functions} functions, index ${mib(s.indexBytes)}, in ${duration(s.ms.total / 1000)}.`;
}
