import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../analysis/analyze';
import { nodeParser } from '../../node/wasmFiles';
import { builtinCatalog } from './builtinCatalog';
import {
  CatalogError,
  CatalogIndex,
  extendCatalog,
  parseCatalogFile,
  validateCatalogFile,
} from './catalog';

const schema = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../schemas/catalog.schema.json'), 'utf8'),
);

describe('catalog', () => {
  it('the built-in catalog is valid against the published JSON Schema and the validator', () => {
    const { sources: _sources, ...file } = builtinCatalog;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(file) ? [] : validate.errors).toEqual([]);
    expect(validateCatalogFile(file)).toEqual([]);
  });

  it('names are unique, and every final put, deferral and sink the domain lists is present', () => {
    const names = builtinCatalog.calls.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const idx = new CatalogIndex();
    const role = (n: string) => idx.calls.get(n)?.role;
    expect(
      [
        'refcount_dec_and_test',
        'refcount_sub_and_test',
        'refcount_dec_if_one',
        'kref_put',
        'refcount_dec_and_lock',
      ].map(role),
    ).toEqual(Array(5).fill('ref-final-put'));
    expect(
      [
        'fput',
        'filp_close',
        '__fput_sync',
        'flush_delayed_fput',
        'vfs_fsync',
        'vfs_fsync_range',
        'filemap_flush',
        'filemap_fdatawrite',
        'filemap_write_and_wait',
      ].map((n) => idx.calls.get(n)?.release),
    ).toEqual([
      'fput',
      'close',
      'fput',
      'flush-delayed-fput',
      'fsync',
      'fsync',
      'flush',
      'flush',
      'flush',
    ]);
    expect(
      ['queue_work', 'queue_delayed_work', 'mod_delayed_work', 'schedule_work', 'call_rcu'].map(
        role,
      ),
    ).toEqual(Array(5).fill('defer'));
  });

  it('rejects a bad user file with every problem listed', () => {
    expect(() =>
      parseCatalogFile(
        '{"calls":[{"name":"x y","role":"steal"}],"opsFields":[{"field":"cb","context":"tuesday"}],"extra":1}',
        'user.json',
      ),
    ).toThrow(
      new CatalogError(
        'user.json: unknown key "extra"; calls[0].name must be a C identifier; calls[0].role must be one of ref-get, ref-get-conditional, ref-put, ref-final-put, ref-init, ref-read, list-drain, hash-insert, hash-remove, hash-lookup, lru-add, lru-del, lru-walk, list-add, list-del, bit-test, bit-set, bit-clear, bit-test-and-clear, bit-test-and-set, defer, register, release, lock, unlock, annotation, free, wake; opsFields[0].context must be one of process, workqueue, delayed-work, shrinker, lru-isolate, fsnotify, notifier, rcu-callback, rpc-thread, svc-thread, netlink, kthread, timer, hrtimer, tasklet, hardirq, irq-thread',
      ),
    );
    expect(() => parseCatalogFile('{not json', 'x.json')).toThrow(/x\.json: not valid JSON/);
  });

  it('tracepoint and logging calls are catalog data: a user file adds a prefix', async () => {
    expect(validateCatalogFile({ loggingPrefixes: ['ocfs2_log_', 'not a prefix'] })).toEqual([
      'loggingPrefixes[1] must be a C identifier',
    ]);
    const builtin = new CatalogIndex();
    expect(
      ['trace_nfsd_file_put', 'pr_warn', 'WARN_ON_ONCE', 'nfsd_file_put', 'mlog_errno'].map((c) =>
        builtin.isLogging(c),
      ),
    ).toEqual([true, true, true, false, false]);
    expect(new CatalogIndex({ ...builtinCatalog, loggingPrefixes: [] }).isLogging('pr_warn')).toBe(
      false,
    );
    const user = parseCatalogFile(JSON.stringify({ loggingPrefixes: ['mlog'] }), 'ocfs2.json');
    const catalog = new CatalogIndex(extendCatalog(builtinCatalog, user, 'ocfs2.json'));
    expect(catalog.isLogging('mlog_errno')).toBe(true);
    expect(catalog.isLogging('trace_nfsd_file_put')).toBe(true);
    // A function's call shape (what compare matches functions by) leaves logging out.
    const text = `
      struct sess { int n; };
      void sess_end(struct sess *s) { mlog_errno(s->n); pr_debug("end"); sess_unlink(s); }`;
    const shape = async (c: CatalogIndex) =>
      analyzeSources([{ path: 's.c', text }], {
        parser: await nodeParser(),
        catalog: c,
      }).functions.find((f) => f.name === 'sess_end')?.callees;
    expect(await shape(builtin)).toEqual(['mlog_errno', 'sess_unlink']);
    expect(await shape(catalog)).toEqual(['sess_unlink']);
  });

  it('a user file adds another subsystem without code changes', async () => {
    const text = `
      struct sess { struct foo_ref s_ref; struct file *s_file; };
      static void sess_free(struct sess *s) { fput(s->s_file); }
      void sess_put(struct sess *s) { if (foo_ref_drop(&s->s_ref)) sess_free(s); }
      static int sess_cb(struct foo_event *e) { sess_put(e->s); return 0; }
      static struct foo_ops ops = { .on_event = sess_cb };`;
    const user = parseCatalogFile(
      JSON.stringify({
        calls: [{ name: 'foo_ref_drop', role: 'ref-final-put', arg: 0, refKind: 'refcount_t' }],
        opsFields: [{ field: 'on_event', struct: 'foo_ops', context: 'notifier' }],
      }),
      'foo.json',
    );
    const catalog = new CatalogIndex(extendCatalog(builtinCatalog, user, 'foo.json'));
    const m = analyzeSources([{ path: 'foo.c', text }], { parser: await nodeParser(), catalog });
    expect(m.functions.find((f) => f.name === 'sess_put')?.wrapper).toBe('put');
    expect(m.entryPoints.map((e) => `${e.function}:${e.context}`)).toEqual([
      'sess_cb:notifier',
      'sess_put:process',
    ]);
    expect(
      m.objects[0].releasePaths
        .filter((p) => p.entryContext === 'notifier')
        .map((p) => `${p.mode}/${p.release}`),
    ).toEqual(['inline/fput']);
  });
});
