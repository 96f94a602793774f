// One focused fixture per primitive family: exact wrappers, findings, holders
// and contexts, as each fixture's EXPECTED block states them.
import { describe, expect, it } from 'vitest';
import {
  analyzeFixture,
  entries,
  findingRows,
  findings,
  fn,
  wrappers,
} from './testSupport.testutil';

describe('primitives', () => {
  it('refcount wrappers are recognised from bodies, not names', async () => {
    const m = await analyzeFixture('primitives/refcount-wrappers.c');
    expect(wrappers(m)).toEqual([
      'obj_hold:get',
      'obj_release_ref:put',
      'obj_try_hold:get-conditional',
    ]);
    // demo_obj_get is named like a getter but takes no reference.
    expect(fn(m, 'demo_obj_get').wrapper).toBeUndefined();
    expect(fn(m, 'obj_release_ref').releaseInline).toEqual(['fput']);
    expect(findings(m)).toEqual([]);
  });

  it('kref: kref_put runs its release callback inline in the caller', async () => {
    const m = await analyzeFixture('primitives/kref.c');
    expect(wrappers(m)).toEqual([
      'demo_conn_get:get',
      'demo_conn_put:put',
      'demo_conn_tryget:get-conditional',
    ]);
    const o = m.objects[0];
    expect([o.type, o.refField, o.refKind, o.initialCounts]).toEqual([
      'demo_conn',
      'dc_kref',
      'kref',
      [1],
    ]);
    expect(o.finalPutSites.map((s) => `${s.function} ${s.call}`)).toEqual([
      'demo_conn_put kref_put',
    ]);
    expect(fn(m, 'demo_conn_release').contexts).toEqual(['process']);
    expect(fn(m, 'demo_conn_put').releaseInline).toEqual(['close']);
  });

  it('atomic_t guarding a free is a refcount; a statistics counter is not', async () => {
    const m = await analyzeFixture('primitives/atomic-counter.c');
    expect(wrappers(m)).toEqual(['legacy_buf_drop:put', 'legacy_buf_grab:get']);
    expect(fn(m, 'legacy_stats_bump').calls.filter((c) => c.role.startsWith('ref-'))).toEqual([]);
    expect(m.objects.map((o) => `${o.type}.${o.refField}:${o.refKind}`)).toEqual([
      'legacy_buf.lb_count:atomic_t',
    ]);
  });

  it('refcount_dec_and_lock: the final put holds the lock until spin_unlock', async () => {
    const m = await analyzeFixture('primitives/dec-and-lock.c');
    expect(findings(m)).toEqual(['sleep-in-atomic sess_put_bad 51']);
    expect(m.findings[0].message).toBe(
      'sess_put_bad(): filp_close() may sleep while sess_table_lock may be held',
    );
    expect(fn(m, 'sess_free_rcu').contexts).toEqual(['rcu-callback']);
  });

  it('one object under two names (a copy, container_of) is counted once', async () => {
    const m = await analyzeFixture('primitives/aliases.c');
    expect(fn(m, 'req_alloc').returnsRef).toBe(true);
    expect(fn(m, 'buf_alloc').returnsRef).toBe(true);
    // job_run puts &job->j_req or req, buf_fill puts b while p = b: balanced.
    expect(m.findings.map((f) => [f.kind, f.function, f.at.line, f.confidence, f.message])).toEqual(
      [
        [
          'ref-leak',
          'job_leak',
          138,
          'confident',
          "job_leak(): reference to 'job' is still held when returning an error at line 138 (path through line 138); other paths drop or hand it on",
        ],
      ],
    );
  });

  it('a node linked into a red-black tree through a second name hands the tree its reference', async () => {
    const m = await analyzeFixture('primitives/rbtree-store.c');
    expect(fn(m, 'item_alloc').returnsRef).toBe(true);
    expect(wrappers(m)).toEqual(['item_release:put']);
    // item_insert: linked, or released (off the tree, then dropped): no leak.
    expect(m.findings.map((f) => [f.kind, f.function, f.at.line, f.confidence, f.message])).toEqual(
      [
        [
          'ref-leak',
          'item_insert_leaky',
          101,
          'confident',
          "item_insert_leaky(): reference to 'item' is still held when returning an error at line 101 (path through line 100); other paths drop or hand it on",
        ],
      ],
    );
  });

  it('a put that happens only when the function returns 0 leaves the reference on an error', async () => {
    const m = await analyzeFixture('primitives/put-on-success.c');
    expect(wrappers(m)).toEqual(['blob_put:put', 'slot_install:put', 'slot_open:put']);
    // blob_attach drops only after an error: no finding there.
    expect(findingRows(m)).toEqual([
      [
        'double-put',
        'blob_attach_twice',
        117,
        'confident',
        "blob_attach_twice(): reference to 'b' dropped twice on one path (second drop: blob_put() at line 117)",
        [],
      ],
      [
        'double-put',
        'blob_attach_unchecked',
        129,
        'guess',
        "blob_attach_unchecked(): reference to 'b' dropped twice on one path (second drop: blob_put() at line 129)",
        ["slot_install() drops 'b' on some of its paths only: one of the two drops may not happen"],
      ],
    ]);
  });

  it('a parameter given other values is not summarised by the values its name ends with', async () => {
    const m = await analyzeFixture('primitives/reused-param.c');
    expect(wrappers(m)).toEqual([
      'node_put:put',
      'node_release:put',
      'tag_get:get-conditional',
      'tag_put:put',
    ]);
    // slot_set's last drop is the replaced tag's, node_next_put's the next node's.
    expect(fn(m, 'slot_set').wrapper).toBeUndefined();
    expect(fn(m, 'node_next_put').wrapper).toBeUndefined();
    // node_split: tail's reference went on under the name n, to a callee that passes it on.
    expect(findingRows(m)).toEqual([
      [
        'ref-leak',
        'node_split',
        155,
        'guess',
        "node_split(): reference to 'tail' is still held when returning an error at line 155 (path through line 147); other paths drop or hand it on",
        [
          "'n' (the object of 'tail') is passed to node_start(), whose summary cannot tell what it does to the reference (it counts it in a way no wrapper kind describes, or hands it on to code that cannot be seen)",
        ],
      ],
      [
        'double-put',
        'node_drop_twice',
        161,
        'guess',
        "node_drop_twice(): reference to 'n' dropped twice on one path (second drop: node_release() at line 161)",
        [
          "no reference to 'n' is taken on the path: the two drops may be the caller's and a container's",
        ],
      ],
    ]);
  });

  it('an object returned as a callee returned it, shared with a container, stays shared', async () => {
    const m = await analyzeFixture('primitives/borrowed-return.c');
    expect(wrappers(m)).toEqual(['grp_get:get', 'grp_put:put']);
    expect(findingRows(m)).toEqual([
      [
        'ref-leak',
        'grp_setup',
        143,
        'guess',
        "grp_setup(): reference to 'g' is still held when returning an error at line 143 (path through line 142); other paths drop or hand it on",
        [
          "grp_create_checked() also hands the object it returns to a container: the references counted may all be the container's, none the caller's",
        ],
      ],
      [
        'ref-leak',
        'grp_own_leak',
        155,
        'confident',
        "grp_own_leak(): reference to 'g' is still held when returning an error at line 155 (path through line 154); other paths drop or hand it on",
        [],
      ],
    ]);
  });

  it("a helper that drops the caller's lock before sleeping work is not under that lock", async () => {
    const m = await analyzeFixture('primitives/lock-handover.c');
    expect(findings(m)).toEqual(['sleep-in-atomic scan_all 45']);
    expect(m.findings[0].message).toBe(
      'scan_all(): scan_step_locked() can reach filp_close(), which may sleep, while scan_lock may be held',
    );
  });

  it("a finding resting on a callee whose summary cannot tell the reference's fate is a guess", async () => {
    const m = await analyzeFixture('primitives/untold-fate.c');
    expect(
      m.findings.map((f) => [f.kind, f.function, f.at.line, f.confidence, f.guesses.join('; ')]),
    ).toEqual([
      [
        'double-put',
        'obj_drop',
        61,
        'guess',
        "no reference to 'o' is taken on the path: the two drops may be the caller's and a container's",
      ],
      [
        'ref-leak',
        'obj_use',
        72,
        'guess',
        "'o' is passed to obj_drop(), whose summary cannot tell what it does to the reference (it counts it in a way no wrapper kind describes, or hands it on to code that cannot be seen)",
      ],
      [
        'double-put',
        'obj_kill',
        94,
        'guess',
        "obj_del_timer() drops 'o' on some of its paths only: one of the two drops may not happen",
      ],
      [
        'ref-leak',
        'obj_setup',
        115,
        'guess',
        "obj_create() also hands the object it returns to a container: the references counted may all be the container's, none the caller's",
      ],
      [
        'unchecked-conditional-get',
        'obj_peek',
        134,
        'guess',
        'obj_peek() never drops, keeps or returns what refcount_inc_not_zero() may have taken a reference on: nothing here relies on the get having succeeded',
      ],
      ['unchecked-conditional-get', 'obj_peek_put', 140, 'confident', ''],
    ]);
    // obj_submit returns -EIOCBQUEUED with o in flight: queued, no error exit, no leak.
    expect(wrappers(m)).toEqual(['obj_del_timer:put', 'obj_peek:get', 'obj_put:put']);
  });

  it('get/put balance per path: leak on an error path, double put, unchecked conditional get', async () => {
    const m = await analyzeFixture('primitives/balance.c');
    expect(findings(m)).toEqual([
      'ref-leak bal_leak_on_error 53',
      'double-put bal_double_put 68',
      'unchecked-conditional-get bal_untested_get 83',
    ]);
    const leak = m.findings[0];
    expect(leak.message).toContain(
      "reference to 'b' is still held when returning an error at line 53",
    );
    expect(leak.related.map((r) => r.at.line)).toContain(49); // the `goto out` that skips the put
    expect(wrappers(m)).toEqual(['bal_put:put']);
  });

  it('sleeping release work while atomic: spinlock, RCU read side, RCU callback, LRU isolate', async () => {
    const m = await analyzeFixture('primitives/atomic-sleep.c');
    expect(findings(m)).toEqual([
      'sleep-in-atomic as_close 32',
      'sleep-in-atomic as_close_under_lock 39',
      'sleep-in-atomic as_close_in_rcu 46',
      'sleep-in-atomic as_rcu_cb 54',
    ]);
    // fput does not sleep (it defers the final __fput): as_close's fput at line 33 is fine.
    expect(m.findings.some((f) => f.function === 'as_close_after_unlock')).toBe(false);
    expect(fn(m, 'as_isolate').contexts).toEqual(['lru-isolate']);
  });

  it('every registration form binds its callback to the right context', async () => {
    const m = await analyzeFixture('primitives/registrations.c');
    expect(entries(m)).toEqual([
      'reg_dwork_fn:delayed-work',
      'reg_fire:process',
      'reg_fsn_event:fsnotify',
      'reg_fsn_free_mark:fsnotify',
      'reg_isolate:lru-isolate',
      'reg_lease_cb:notifier',
      'reg_new_count:shrinker',
      'reg_new_scan:shrinker',
      'reg_old_count:shrinker',
      'reg_old_scan:shrinker',
      'reg_rcu_cb:rcu-callback',
      'reg_setup:process',
      'reg_static_dwork_fn:delayed-work',
      'reg_static_work_fn:workqueue',
      'reg_work_fn:workqueue',
    ]);
    // Bound at run time through `ops->cb = reg_runtime_cb`, called by reg_fire().
    expect(fn(m, 'reg_runtime_cb').contexts).toEqual(['process']);
    expect(
      m.edges.some(
        (e) => e.caller === 'reg_fire' && e.callee === 'reg_runtime_cb' && e.kind === 'call',
      ),
    ).toBe(true);
  });

  it('hashing: a test_and_clear_bit winner unhashes; test_bit + clear_bit races', async () => {
    const m = await analyzeFixture('primitives/hashing.c');
    expect(findings(m)).toEqual(['unhash-race hx_unhash_racy 97']);
    const o = m.objects[0];
    expect(o.holders.map((h) => `${h.holder} ${h.function}`)).toEqual(['hash hx_unhash']);
    const by = (to: string) =>
      o.transitions.filter((t) => t.to === to).map((t) => `${t.function}:${t.call}`);
    expect(by('hashed')).toEqual([
      'hx_hlist_add:hlist_add_head_rcu',
      'hx_rht_insert:rhashtable_lookup_insert_key',
      'hx_rhl_insert:rhltable_insert',
    ]);
    expect(by('unhashed')).toEqual([
      'hx_hlist_del:hlist_del_rcu',
      'hx_rht_remove:rhashtable_remove_fast',
      'hx_rhl_remove:rhltable_remove',
      'hx_unhash:rhltable_remove',
      'hx_unhash_racy:rhltable_remove',
    ]);
  });

  it('deferral: queue_work and a drained hand-off list move the close to the worker', async () => {
    const m = await analyzeFixture('primitives/deferral.c');
    expect(fn(m, 'df_hand_off').releaseDeferred).toEqual(['fput']);
    expect(fn(m, 'df_hand_off').releaseInline).toEqual([]);
    expect(fn(m, 'df_close_now').releaseInline).toEqual(['fput']);
    expect(fn(m, 'df_worker').contexts).toEqual(['workqueue']);
    expect(
      m.edges
        .filter((e) => e.kind === 'defer')
        .map((e) => `${e.caller}->${e.callee}:${e.context}`)
        .sort(),
    ).toEqual(expect.arrayContaining(['df_hand_off->df_worker:workqueue']));
  });
});
