import { describe, expect, it } from 'vitest';
import { KeyedDebouncer, SerialRunner } from './debounce';

describe('KeyedDebouncer', () => {
  it('fires once per key after the last call', async () => {
    const fired: string[] = [];
    const d = new KeyedDebouncer<string>(
      () => 20,
      (k) => fired.push(k),
    );
    d.schedule('a');
    d.schedule('a');
    d.schedule('b');
    await new Promise((r) => setTimeout(r, 50));
    expect(fired.sort()).toEqual(['a', 'b']);
  });
});

describe('SerialRunner', () => {
  it('coalesces triggers while running', async () => {
    let runs = 0;
    const r = new SerialRunner(async () => {
      runs++;
      await new Promise((res) => setTimeout(res, 10));
    });
    const p = r.trigger();
    r.trigger();
    r.trigger();
    await p;
    expect(runs).toBe(2);
  });
});
