import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { listTreeFiles, treeFilesOf, treeSourcePaths } from './kernelTree';
import { listTreeFilesParallel, statShared, type StatShare } from './parallelList';
import { REPO_ROOT } from './indexOptions.testutil';

const STAT_WORKER = path.join(REPO_ROOT, 'dist/statWorker.js');

describe('treeSourcePaths', () => {
  it('leaves out the parts of a tree that are not the kernel, unless asked for', () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'll-parts-'));
    const files = [
      'kernel/exit.c',
      'tools/testing/selftests/bpf/prog_tests/reg_bounds.c',
      'scripts/mod/modpost.c',
      'samples/bpf/sock_example.c',
      'usr/gen_init_cpio.c',
      'Documentation/foo.c',
      'arch/x86/boot/compressed/misc.c',
      'arch/x86/kernel/process.c',
      'arch/um/os-Linux/file.c',
      'arch/um/kernel/exec.c',
      'fs/tools/not-top-level.c',
    ];
    for (const f of files) {
      fs.mkdirSync(path.join(tree, path.dirname(f)), { recursive: true });
      fs.writeFileSync(path.join(tree, f), '');
    }
    try {
      expect(treeSourcePaths(tree).sort()).toEqual([
        'arch/um/kernel/exec.c',
        'arch/x86/kernel/process.c',
        'fs/tools/not-top-level.c',
        'kernel/exit.c',
      ]);
      expect(treeSourcePaths(tree, ['tools'])).toEqual([
        'tools/testing/selftests/bpf/prog_tests/reg_bounds.c',
      ]);
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });
});

describe('listTreeFilesParallel', () => {
  let tree: string;
  beforeAll(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'll-list-'));
    // 1,500 sources in 30 directories (6 chunks), with names no listing may split on.
    for (let d = 0; d < 30; d++) {
      const dir = path.join(tree, `dir${d}`, d % 2 ? 'sub' : '');
      fs.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 50; f++) fs.writeFileSync(path.join(dir, `f${f}.c`), 'x'.repeat(f));
    }
    fs.writeFileSync(path.join(tree, 'dir0', 'new\nline.c'), 'int a;\n');
    fs.writeFileSync(path.join(tree, 'dir0', 'tête.h'), 'int b;\n');
    fs.writeFileSync(path.join(tree, 'dir0', 'notes.txt'), 'not a source\n');
    fs.mkdirSync(path.join(tree, '.git'));
    fs.writeFileSync(path.join(tree, '.git', 'hidden.c'), '');
  });
  afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

  it('lists what the one-thread listing lists, sizes and mtimes included', async () => {
    expect(fs.existsSync(STAT_WORKER), 'dist/statWorker.js: run npm run build').toBe(true);
    const one = listTreeFiles(tree);
    expect(one.length).toBe(1502);
    expect(
      one
        .filter((f) => f.rel.startsWith('dir0/'))
        .map((f) => f.rel)
        .slice(0, 3),
    ).toEqual(['dir0/f0.c', 'dir0/f1.c', 'dir0/f10.c']);
    expect(one.find((f) => f.rel === 'dir1/sub/f7.c')?.size).toBe(7);
    expect(one.some((f) => f.rel === 'dir0/new\nline.c')).toBe(true);
    expect(await listTreeFilesParallel(tree, STAT_WORKER)).toEqual(one);
  });

  it('lists on this thread alone without the worker, or when it dies', async () => {
    const one = listTreeFiles(tree);
    expect(await listTreeFilesParallel(tree)).toEqual(one);
    expect(await listTreeFilesParallel(tree, path.join(tree, 'no-such-worker.js'))).toEqual(one);
    // Claims a chunk and dies with it: whatever it left is stat'ed on this thread.
    const dying = path.join(tree, 'dying.js');
    fs.writeFileSync(
      dying,
      "require('node:worker_threads').parentPort.once('message', (s) => {\n" +
        '  Atomics.add(new Int32Array(s.counters), 0, 1);\n' +
        '  process.exit(3);\n' +
        '});\n',
    );
    expect(await listTreeFilesParallel(tree, dying)).toEqual(one);
    fs.rmSync(dying);
  });

  it('has the worker stat every chunk it claims into the shared array', async () => {
    const rels = treeSourcePaths(tree);
    const share: StatShare = {
      base: `${tree}/`,
      rels: rels.join('\0'),
      counters: new SharedArrayBuffer(8),
      stats: new SharedArrayBuffer(16 * rels.length),
    };
    // This thread claims nothing: the worker does all of it.
    const worker = new Worker(STAT_WORKER);
    worker.postMessage(share);
    expect(await once(worker, 'message')).toEqual(['done']);
    await worker.terminate();
    expect(Array.from(new Int32Array(share.counters))).toEqual([7, 6]);
    expect(treeFilesOf(rels, new Float64Array(share.stats))).toEqual(listTreeFiles(tree));
  });

  it('stats again what was claimed and never finished', async () => {
    const rels = treeSourcePaths(tree);
    const share: StatShare = {
      base: `${tree}/`,
      rels: '',
      counters: new SharedArrayBuffer(8),
      stats: new SharedArrayBuffer(16 * rels.length),
    };
    // Chunk 0 claimed by a thread that died with it.
    new Int32Array(share.counters)[0] = 1;
    expect(treeFilesOf(rels, await statShared(share, rels))).toEqual(listTreeFiles(tree));
  });

  it('lists an empty tree', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'll-list-empty-'));
    try {
      expect(await listTreeFilesParallel(empty, STAT_WORKER)).toEqual([]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
