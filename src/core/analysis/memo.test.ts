// The memo is a pure cache: an analysis that reuses it gives exactly the model
// a fresh analysis gives, including after edits that change what a callee in
// another file does.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../catalog/catalog';
import { extractFileFacts } from '../facts/extractFile';
import type { FileFacts } from '../facts/factTypes';
import { nodeParser } from '../../node/wasmFiles';
import { analyzeFacts } from './analyze';
import { AnalysisMemo } from './memo';
import { FIXTURES, findings } from './testSupport.testutil';

const OBJ_PUT = `struct obj { refcount_t o_ref; int o_state; };

void obj_put(struct obj *o)
{
	if (refcount_dec_and_test(&o->o_ref))
		kfree(o);
}
`;
// The same function once the edit removed its put: callers elsewhere now leak.
const OBJ_PUT_EDITED = OBJ_PUT.replace(
  '\tif (refcount_dec_and_test(&o->o_ref))\n\t\tkfree(o);',
  '\tif (o->o_state)\n\t\tkfree(o);',
);
const USER = `void obj_use(struct obj *o)
{
	refcount_inc(&o->o_ref);
	if (o->o_state < 0)
		obj_put(o);
	obj_put(o);
}
`;

describe('AnalysisMemo', async () => {
  const parser = await nodeParser();
  const catalog = new CatalogIndex();
  const extract = (file: string, text: string) => extractFileFacts(file, text, parser, catalog);
  const fresh = (files: FileFacts[]) => analyzeFacts(files, catalog, []);

  it('gives the fresh model after an edit that changes a callee in another file', () => {
    const memo = new AnalysisMemo(catalog);
    const user = extract('user.c', USER);
    const before = [extract('obj.c', OBJ_PUT), user];
    const first = analyzeFacts(before, catalog, [], memo);
    expect(first).toEqual(fresh(before));
    expect(findings(first)).toEqual(['double-put obj_use 6']);
    // Misses: obj_put() and obj_use(), each analysed once (callees first).
    expect([memo.hits, memo.misses]).toEqual([0, 2]);

    // user.c is unchanged (same facts object); obj_put() is no put any more.
    const after = [extract('obj.c', OBJ_PUT_EDITED), user];
    memo.hits = memo.misses = 0;
    const second = analyzeFacts(after, catalog, [], memo);
    expect(second).toEqual(fresh(after));
    // obj_put() drops nothing now, so obj_use() only takes a reference: a get wrapper.
    expect(findings(second)).toEqual([]);
    expect(second.functions.find((f) => f.name === 'obj_use')?.wrapper).toBe('get');
    // Misses: obj_put() (new facts) and obj_use(), whose calls have other effects
    // now: not the stale balance.
    expect([memo.hits, memo.misses]).toEqual([0, 2]);

    // Back to the first text: the balance remembered for those effects is reused.
    memo.hits = memo.misses = 0;
    const third = analyzeFacts([extract('obj.c', OBJ_PUT), user], catalog, [], memo);
    expect(findings(third)).toEqual(['double-put obj_use 6']);
    expect([memo.hits, memo.misses]).toEqual([1, 1]);
  });

  it('keeps the facts objects of functions an edit left alone, and their results', () => {
    const memo = new AnalysisMemo(catalog);
    const text = OBJ_PUT + '\n' + USER;
    const first = extract('both.c', text);
    analyzeFacts([first], catalog, [], memo);
    // Typing inside obj_use() without a new line: obj_put() is unchanged, positions too.
    const edited = text.replace('refcount_inc(&o->o_ref);', 'refcount_inc(&o->o_ref); log(o);');
    const next = memo.reuseUnchanged(first, extract('both.c', edited));
    expect(next.functions.map((f) => f.name)).toEqual(['obj_put', 'obj_use']);
    expect(next.functions.map((f, i) => f === first.functions[i])).toEqual([true, false]);
    memo.hits = memo.misses = 0;
    expect(analyzeFacts([next], catalog, [], memo)).toEqual(fresh([next]));
    expect([memo.hits, memo.misses]).toEqual([1, 1]);
    // A new line above obj_put() moves it: its facts (positions) differ, nothing is reused.
    const moved = memo.reuseUnchanged(next, extract('both.c', '\n' + edited));
    expect(moved.functions.map((f, i) => f === next.functions[i])).toEqual([false, false]);
  });

  it('gives the fresh model for the design fixtures re-analysed after a comment edit', () => {
    const memo = new AnalysisMemo(catalog);
    const read = (p: string) => fs.readFileSync(path.join(FIXTURES, p), 'utf8');
    const files = ['designs/v5-inline/filecache.c', 'primitives/balance.c'].map((p) =>
      extract(p, read(p)),
    );
    analyzeFacts(files, catalog, [], memo);
    const text = read('primitives/balance.c').replace(
      ' *  bal_leak_on_error',
      ' *: bal_leak_on_error',
    );
    const edited = [files[0], extract('primitives/balance.c', text)];
    memo.hits = memo.misses = 0;
    expect(analyzeFacts(edited, catalog, [], memo)).toEqual(fresh(edited));
    expect(memo.hits).toBeGreaterThan(0);
    expect(() => analyzeFacts(edited, new CatalogIndex(), [], memo)).toThrow(/another catalog/);
  });
});
