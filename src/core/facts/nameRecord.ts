// Records keyed by C identifiers. A C name can be one of Object.prototype's
// (`constructor`, `toString`, `__proto__`: kernel code has them): on an
// ordinary object, reading such a key finds the prototype's member (a function
// where a type string was expected, which no thread boundary can clone) and
// writing `__proto__` replaces the prototype. These records have none.
// Structured clone and JSON hand records back with a prototype again, so the
// analysis takes facts through ownNames() where they come in (Program).

/** An empty record for C names. */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `record` if it has no prototype, else a copy that has none. */
export function ownNames<T>(record: Record<string, T>): Record<string, T> {
  if (Object.getPrototypeOf(record) === null) return record;
  const out = nameRecord<T>();
  for (const k of Object.keys(record)) out[k] = record[k];
  return out;
}

/** A map's entries as a record for C names. */
export function recordOf<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const out = nameRecord<T>();
  for (const [k, v] of map) out[k] = v;
  return out;
}
