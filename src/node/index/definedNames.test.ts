import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { definedNames, scanDefinitions } from './definedNames';
import { listTreeFiles } from './kernelTree';

describe('definedNames', () => {
  it('finds definitions at column 0, not declarations, typedefs or indented calls', () => {
    const text = [
      'typedef int (*fn_t)(int);',
      'extern void gone(void);',
      'static int helper(struct obj *o);',
      'static int helper(struct obj *o)',
      '{',
      '\treturn 0;',
      '}',
      'void put_obj(struct obj *o) { helper(o); }',
      'int helper2(void) { return 0; }',
      'void put_obj(struct obj *o);',
    ].join('\n');
    expect(scanDefinitions(text)).toEqual(['helper', 'put_obj', 'helper2']);
  });

  it('keeps each file in the cache and scans again only what changed', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'll-names-'));
    const cache = path.join(root, '.cache', 'names.json.gz');
    const write = (rel: string, text: string, mtime: number) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
      fs.utimesSync(path.join(root, rel), mtime, mtime);
    };
    write('fs/a.c', 'int get_a(void)\n{\n}\n', 1000);
    write('fs/b.c', 'int get_a(void)\n{\n}\nvoid put_b(void) {}\n', 1000);
    write('include/linux/c.h', 'static inline void put_b(void) {}\n', 1000);
    const files = () => listTreeFiles(root);
    const first = definedNames(root, files(), new Set(), cache);
    expect(first.scanned).toBe(3);
    expect(Object.fromEntries(first.defs)).toEqual({
      get_a: ['fs/a.c', 'fs/b.c'],
      put_b: ['fs/b.c', 'include/linux/c.h'],
    });
    const again = definedNames(root, files(), new Set(['fs/a.c']), cache);
    expect(again.scanned).toBe(0);
    expect(Object.fromEntries(again.defs)).toEqual({
      get_a: ['fs/b.c'],
      put_b: ['fs/b.c', 'include/linux/c.h'],
    });
    write('fs/b.c', 'void put_b(void) {}\nint new_one(int x)\n{\n}\n', 2000);
    fs.rmSync(path.join(root, 'fs/a.c'));
    const edited = definedNames(root, files(), new Set(), cache);
    expect(edited.scanned).toBe(1);
    expect(Object.fromEntries(edited.defs)).toEqual({
      put_b: ['fs/b.c', 'include/linux/c.h'],
      new_one: ['fs/b.c'],
    });
    fs.writeFileSync(cache, 'not gzip');
    const corrupt = definedNames(root, files(), new Set(), cache);
    expect(corrupt.scanned).toBe(2);
    expect(Object.fromEntries(corrupt.defs)).toEqual(Object.fromEntries(edited.defs));
    expect(definedNames(root, files(), new Set(), cache).scanned).toBe(0);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
