// Timing helpers shared by the benchmark scripts.

/** The median of `xs` (the mean of the middle two for an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median wall time of `fn` over `runs` calls, after `warmup` calls that are not counted. */
export function timeIt(fn, runs, warmup = 3) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export const verdict = (ok) => (ok ? 'PASS' : 'MISS');
