// What was thrown, as text a user can read, whatever it is: an Error, a worker's
// cloned error (a plain object), or a bare value.

export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string') return m;
    try {
      return JSON.stringify(e).slice(0, 500);
    } catch {
      return Object.prototype.toString.call(e);
    }
  }
  return String(e);
}
