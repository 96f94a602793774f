// The type environment over our own fixtures: declared types of locals, members,
// casts, calls and container_of-style results, typedefs and anonymous members.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogIndex } from '../catalog/catalog';
import { extractFileFacts } from '../facts/extractFile';
import type { FileFacts } from '../facts/factTypes';
import { nodeParser } from '../../node/wasmFiles';
import { exprType, holderType } from './exprType';
import { TypeEnv } from './typeEnv';

const FIXTURES = path.resolve(__dirname, '../../../test-fixtures');

async function facts(...rel: string[]): Promise<FileFacts[]> {
  const parser = await nodeParser();
  const catalog = new CatalogIndex();
  return rel.map((r) =>
    extractFileFacts(r, fs.readFileSync(path.join(FIXTURES, r), 'utf8'), parser, catalog),
  );
}

async function envOf(...rel: string[]) {
  const files = await facts(...rel);
  const env = new TypeEnv(files, new CatalogIndex().containerMacros);
  const fn = (name: string) => files.flatMap((f) => f.functions).find((f) => f.name === name);
  return { env, fn, files };
}

describe('type environment', () => {
  it('records struct fields, anonymous members, typedefs and return types', async () => {
    const { files } = await envOf('types/members.c', 'types/typedefs.c');
    expect(files[0].types?.structs['struct shelf']).toEqual({
      count: 'refcount_t',
      box: 'struct crate*',
      extra: expect.stringMatching(/^struct <anonymous types\/members\.c:\d+>$/),
      crates: 'struct list_head',
    });
    // An anonymous union member's fields are the struct's own.
    expect(files[0].types?.structs['struct crate']).toEqual({
      count: 'refcount_t',
      on_shelf: 'struct list_head',
      node: 'struct rb_node',
      rcu: 'struct rcu_head',
      gc: 'struct list_head',
    });
    expect(files[1].types?.typedefs).toEqual({ tile_t: 'struct tile', grout_t: 'struct grout_t' });
    expect(files[1].types?.structs['struct grout_t']).toEqual({
      g_kref: 'struct kref',
      mix: 'int',
    });
    expect(files[1].types?.returns).toMatchObject({ grout_free: 'void', tile_acquire: 'void' });
  });

  it('types member chains, container_of-style results, casts and address-of', async () => {
    const { env, fn } = await envOf('types/members.c', 'types/typedefs.c');
    const shelf = fn('shelf_take_box');
    const t = (f: typeof shelf, e: string) => exprType(env, f, e);
    expect(t(shelf, 's')).toBe('struct shelf*');
    expect(t(shelf, 's->box')).toBe('struct crate*');
    expect(t(shelf, '&s->box->count')).toBe('refcount_t*');
    expect(t(shelf, 's->extra.spare->on_shelf')).toBe('struct list_head');
    expect(t(shelf, '*s->box')).toBe('struct crate');
    expect(t(shelf, '(struct crate *)s')).toBe('struct crate*');
    expect(t(shelf, 'list_first_entry(&s->crates, struct crate, on_shelf)')).toBe('struct crate*');
    // The macro mask blanks `struct` in macro arguments: the bare tag still names the struct.
    expect(t(shelf, 'rb_entry(n,        crate, node)->count')).toBe('refcount_t');
    expect(holderType(env, shelf, '&container_of(p, struct crate, node)->count')).toBe(
      'struct crate',
    );
    const tile = fn('tile_acquire');
    expect(env.resolve(t(tile, 't') ?? '')).toBe('struct tile*');
    expect(env.structName(t(fn('grout_free'), 'g'))).toBe('grout_t');
    expect(env.structName(t(fn('grout_free'), 'container_of(k, grout_t, g_kref)'))).toBe('grout_t');
    expect(t(shelf, 'nobody_knows(s)')).toBeUndefined();
    // Return types from prototypes, globals.
    expect(t(shelf, 'crate_lookup(s, 1)->count')).toBe('refcount_t');
    expect(t(shelf, 'main_shelf->box')).toBe('struct crate*');
    expect(t(shelf, '&main_shelf->extra.spare[0]')).toBe('struct crate*');
  });

  it('scopes a name declared again with another type in an inner block', async () => {
    const parser = await nodeParser();
    const src = [
      'struct a { int x; };',
      'struct b { int y; };',
      'void f(struct a *p)',
      '{',
      '\tif (p) {',
      '\t\tstruct b *p = 0;',
      '\t\tuse(p);',
      '\t}',
      '\tuse(p);',
      '}',
    ].join('\n');
    const file = extractFileFacts('scope.c', src, parser, new CatalogIndex());
    const env = new TypeEnv([file], new Map());
    const f = file.functions[0];
    expect(env.varType(f, 'p', 7)).toBe('struct b*');
    expect(env.varType(f, 'p', 9)).toBe('struct a*');
  });
});
