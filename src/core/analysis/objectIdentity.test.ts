// Object identity: an object is a struct type plus the counter that guards its
// release. Declared types decide, never a shared field name; in-flight counters
// are kept apart; indirect calls resolve through the ops struct type.
import { describe, expect, it } from 'vitest';
import type { ProgramModel } from '../model';
import { analyzeFixture, findings } from './testSupport.testutil';

function objects(m: ProgramModel) {
  return m.objects.map((o) => ({
    type: o.type,
    refField: o.refField,
    getters: o.getters,
    putters: o.putters,
    initialCounts: o.initialCounts,
    finalPuts: o.finalPutSites.map((s) => s.function),
    ...(o.typeSource ? { typeSource: o.typeSource } : {}),
    ...(o.usageCounters ? { usageCounters: o.usageCounters } : {}),
  }));
}

/** Typed refcount calls as "function callee type". */
function typedCalls(m: ProgramModel): string[] {
  return m.functions.flatMap((f) =>
    f.calls
      .filter((c) => c.role.startsWith('ref-'))
      .map((c) => `${f.name} ${c.callee} ${c.objectType ?? '?'}${c.typeSource ? ' guess' : ''}`),
  );
}

describe('object identity', () => {
  it('two structs sharing field names are two objects', async () => {
    const m = await analyzeFixture('types/two-structs.c');
    expect(objects(m)).toEqual([
      {
        type: 'plum',
        refField: 'ref',
        getters: ['plum_hold'],
        putters: ['plum_drop'],
        initialCounts: [1],
        finalPuts: ['plum_drop'],
      },
      {
        type: 'quince',
        refField: 'ref',
        getters: ['quince_hold'],
        putters: ['quince_drop'],
        initialCounts: [2],
        finalPuts: ['quince_drop'],
      },
    ]);
    expect(findings(m)).toEqual([]);
  });

  it("typedef'd structs, named and unnamed, are typed through the typedef", async () => {
    const m = await analyzeFixture('types/typedefs.c');
    expect(objects(m)).toEqual([
      {
        type: 'grout_t',
        refField: 'g_kref',
        getters: ['grout_keep'],
        putters: ['grout_let_go'],
        initialCounts: [],
        finalPuts: ['grout_let_go'],
      },
      {
        type: 'tile',
        refField: 't_users',
        getters: ['tile_acquire'],
        putters: ['tile_release'],
        initialCounts: [],
        finalPuts: ['tile_release'],
      },
    ]);
  });

  it('member chains and container_of-style results type the counter they reach', async () => {
    const m = await analyzeFixture('types/members.c');
    expect(typedCalls(m)).toEqual([
      'shelf_take_box refcount_inc crate',
      'shelf_take_spare refcount_inc crate',
      'crate_take_first refcount_inc crate',
      'crate_take_node refcount_inc crate',
      'crate_drop refcount_dec_and_test crate',
      'shelf_drop refcount_dec_and_test shelf',
    ]);
    expect(m.objects.map((o) => `${o.type}.${o.refField}`)).toEqual(['crate.count', 'shelf.count']);
  });

  it('an in-flight counter next to the refcount is a usage counter, not the reference', async () => {
    const m = await analyzeFixture('types/inflight.c');
    expect(objects(m)).toEqual([
      {
        type: 'lantern',
        refField: 'users',
        getters: ['lantern_get'],
        putters: ['lantern_put'],
        initialCounts: [],
        finalPuts: ['lantern_put'],
        usageCounters: ['burning', 'pending'],
      },
    ]);
    // lantern_start takes a count and returns: no leak, the counter is no reference.
    expect(findings(m)).toEqual([]);
    expect(typedCalls(m)).toEqual([
      'lantern_get refcount_inc lantern',
      'lantern_put refcount_dec_and_test lantern',
    ]);
  });

  it('an indirect call reaches only the methods of its own ops type', async () => {
    const m = await analyzeFixture('types/ops.c');
    expect(
      m.edges.filter((e) => e.resolvedBy).map((e) => `${e.caller} -> ${e.callee} ${e.resolvedBy}`),
    ).toEqual([
      'hive_end -> hive_finish type',
      'hive_end -> hive_finish_fast type',
      'nest_end -> nest_finish type',
      'mystery_end -> hive_finish field-name',
      'mystery_end -> hive_finish_fast field-name',
      'mystery_end -> nest_finish field-name',
    ]);
  });

  it('the field-name lookup is a fallback, marked, and never picks among two structs', async () => {
    const two = await analyzeFixture('types/two-structs.c');
    expect(typedCalls(two).filter((c) => c.startsWith('poke_unknown'))).toEqual([
      'poke_unknown refcount_inc ?',
    ]);
    const one = await analyzeFixture('types/guess.c');
    expect(typedCalls(one)).toEqual(['loner_poke refcount_inc loner guess']);
    expect(objects(one)).toEqual([
      {
        type: 'loner',
        refField: 'solo_users',
        getters: [],
        putters: [],
        initialCounts: [],
        finalPuts: [],
        typeSource: 'field-name-guess',
      },
    ]);
  });
});
