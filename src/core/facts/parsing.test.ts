// Parsing hazards: kernel macros, annotations, broken files. Offsets stay true,
// bodies of iterator macros are parsed, and problems are reported, not thrown.
import { describe, expect, it } from 'vitest';
import { analyzeFixture, fn } from '../analysis/testSupport.testutil';

describe('parsing hazards', () => {
  it('iterator macros become loops whose bodies are parsed', async () => {
    const m = await analyzeFixture('parsing/iterator-macros.c');
    expect(m.files[0]).toMatchObject({
      functions: 7,
      functionsWithErrors: 0,
      problems: [],
      maskedMacros: 5,
    });
    expect(fn(m, 'it_list_safe').callees).toEqual(['list_del_init', 'it_release']);
    expect(fn(m, 'it_hlist_rcu').callees).toEqual([
      'rcu_read_lock',
      'refcount_inc_not_zero',
      'rcu_read_unlock',
      'rcu_read_unlock',
    ]);
    expect(fn(m, 'it_rhl_rcu').callees).toEqual([
      'rcu_read_lock',
      'it_count_one',
      'rcu_read_unlock',
    ]);
    expect(fn(m, 'it_percpu').callees).toEqual(['per_cpu_ptr', 'it_drain']);
    // The loop cursor is the object: list_del_init() takes each entry off the list
    // and it_release() drops a reference on it.
    expect(fn(m, 'it_list_safe').calls.map((c) => `${c.callee}:${c.role}:${c.objectType}`)).toEqual(
      ['list_del_init:list-del:it_obj', 'it_release:ref-put:it_obj'],
    );
  });

  it('annotations are masked for parsing and kept as facts', async () => {
    const m = await analyzeFixture('parsing/annotations.c');
    expect(m.files[0]).toMatchObject({ functions: 8, functionsWithErrors: 0, maskedMacros: 11 });
    expect(fn(m, 'an_locked_put').annotations).toEqual([
      '__must_hold(&an_lock)',
      'lockdep_assert_held(&an_lock)',
    ]);
    expect(fn(m, 'an_lock_it').annotations).toEqual(['__acquires(&an_lock)']);
    expect(fn(m, 'an_unlock_it').annotations).toEqual(['__releases(&an_lock)']);
    expect(fn(m, 'an_slow_close').annotations).toEqual(['noinline', 'might_sleep()']);
    expect(fn(m, 'an_init').annotations).toEqual(['__init']);
    expect(fn(m, 'an_exported_get').wrapper).toBe('get');
    expect(m.entryPoints.find((e) => e.function === 'an_exported_put')?.reason).toBe(
      'exported (EXPORT_SYMBOL)',
    );
  });

  it('struct arguments of container_of-style macros give the object type', async () => {
    const m = await analyzeFixture('parsing/container-of.c');
    expect(fn(m, 'co_from_lru').calls[0]).toMatchObject({
      callee: 'refcount_dec_and_test',
      objectType: 'nfsd_file',
    });
    expect(fn(m, 'co_entry').calls[0]).toMatchObject({
      callee: 'refcount_inc',
      objectType: 'nfsd_file',
    });
    expect(fn(m, 'co_rcu_free').contexts).toEqual(['rcu-callback']);
  });

  it('a broken file is reported and the intact functions still analysed', async () => {
    const m = await analyzeFixture('parsing/broken.c');
    expect(m.files[0].problems).toEqual([
      "unbalanced braces: 8 '{' and 7 '}'",
      '#ifdef at line 49 has no #endif',
    ]);
    expect(fn(m, 'br_ok_get').wrapper).toBe('get');
    expect(fn(m, 'br_ok_put').wrapper).toBe('put');
  });

  it('#ifdef splitting a function header: functions extracted, the syntax error located', async () => {
    const m = await analyzeFixture('parsing/ifdef-heavy.c');
    expect(m.functions.map((f) => f.name)).toEqual([
      'ih_close',
      'ih_put',
      'ih_get',
      'ih_full',
      'ih_stub',
    ]);
    expect(m.files[0].problems).toEqual(['syntax error at line 37']);
  });

  it('an empty file has no functions and no problems', async () => {
    const m = await analyzeFixture('parsing/empty.c');
    expect(m.files[0]).toEqual({
      file: 'parsing/empty.c',
      functions: 0,
      functionsWithErrors: 0,
      errorFunctions: [],
      problems: [],
      maskedMacros: 0,
    });
  });
});
