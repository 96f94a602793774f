// The command line as users and CI run it: the built bundle, real processes,
// documented exit codes, machine-readable output validated against schemas.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import AjvDraft4 from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitIn } from '../node/gitRepo.testutil';
import { partEntries } from '../node/index/filesIndex';
import { treeIndexDir } from '../node/index/indexStore';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const FIX = path.join(ROOT, 'test-fixtures');
const design = (d: string) => path.join(FIX, 'designs', d, 'filecache.c');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const schema = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', name), 'utf8'));

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(CLI))
    throw new Error('dist/cli.js is missing: run `npm run build` (npm test does)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
});

describe('lifecycle-lens analyze', () => {
  it('stops quietly when the reader of its output stops early (| head)', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${CLI}" analyze --json --no-tree "${design('v5-inline')}" | head -c 9`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stdout).toBe('{\n  "tool');
    expect(r.stderr).toBe('');
  });

  it('writes all of its output to a non-blocking pipe that fills up (src/cli/stdio.ts)', () => {
    // The reader makes its end's writer non-blocking and reads only after the
    // CLI has filled the pipe (64 KiB), so writing to descriptor 1 meets EAGAIN.
    const args = ['analyze', '--json', '--no-tree', design('v5-inline')];
    const reader = [
      'import fcntl, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(1)',
      'out = b""',
      'while True:',
      '    d = os.read(r, 65536)',
      '    if not d: break',
      '    out += d',
      'sys.stdout.buffer.write(out)',
      'sys.exit(p.wait())',
    ].join('\n');
    const r = spawnSync('python3', ['-c', reader, process.execPath, CLI, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const direct = run(args);
    expect(direct.out.length).toBeGreaterThan(65536);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(direct.out);
  });

  it('says so when its output cannot be written (a full disk)', () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${CLI}" analyze --no-tree "${design('v5-inline')}" > /dev/full`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toBe(
      'lifecycle-lens: cannot write the output: ENOSPC: no space left on device, write\n',
    );
    expect(r.status).toBe(2);
  });

  it('reads back the facts of files unchanged since an earlier run, and says so', () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-facts-cli-'));
    try {
      const args = ['analyze', '--json', '--no-tree', design('v5-inline'), '--cache-dir', cacheDir];
      const bare = run([...args, '--no-facts-cache']);
      expect(fs.existsSync(path.join(cacheDir, 'facts'))).toBe(false);
      const first = run([...args, '-v']);
      const [build] = fs.readdirSync(path.join(cacheDir, 'facts'));
      const dir = path.join(cacheDir, 'facts', build);
      expect(first.err).toContain(`facts of 0 of 1 files read back from ${dir}, 1 kept\n`);
      const second = run([...args, '-v']);
      expect(second.err).toContain(`facts of 1 of 1 files read back from ${dir}, 0 kept\n`);
      expect(first.out).toBe(bare.out);
      expect(second.out).toBe(bare.out);
      // A damaged entry is said even without -v, and not used.
      const [entry] = fs.readdirSync(dir).filter((n) => n.endsWith('.bin'));
      fs.writeFileSync(path.join(dir, entry), 'lifecycle-lens facts 1\ngarbage');
      const third = run(args);
      expect(third.err).toBe(
        `lifecycle-lens: facts of 0 of 1 files read back from ${dir}, 1 kept; 1 damaged or another user's, extracted again\n`,
      );
      expect(third.out).toBe(bare.out);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('prints the lifecycle report of a file (exit 0)', () => {
    const r = run(['analyze', design('v5-inline')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Object struct nfsd_file (refcount nf_ref, refcount_t)');
    expect(r.out).toContain(
      'fsnotify     nfsd_file_fsnotify_handle_event(): INLINE fput, fsync; deferred to workqueue: fput, fsync',
    );
  });

  it('--json output validates against schemas/analysis.schema.json', () => {
    const r = run(['analyze', '--json', design('v4-sentinel')]);
    const doc = JSON.parse(r.out);
    const validate = new Ajv({ allErrors: true }).compile(schema('analysis.schema.json'));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect([doc.tool, doc.schemaVersion, doc.model.objects[0].type]).toEqual([
      'lifecycle-lens',
      1,
      'nfsd_file',
    ]);
  });

  it('bad input: empty, binary, 20 MB, unbalanced, unreadable, missing: a message each, the rest analysed', () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'empty.c'), '');
    fs.writeFileSync(
      path.join(dir, 'binary.c'),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]),
    );
    fs.writeFileSync(path.join(dir, 'huge.c'), 'int x;\n'.repeat(3_000_000));
    fs.copyFileSync(path.join(FIX, 'parsing/broken.c'), path.join(dir, 'broken.c'));
    fs.copyFileSync(design('v5-inline'), path.join(dir, 'good.c'));
    fs.writeFileSync(path.join(dir, 'secret.c'), 'int y;');
    fs.chmodSync(path.join(dir, 'secret.c'), 0o000);
    const r = run(['analyze', dir, path.join(tmp, 'nope.c')]);
    expect(r.code).toBe(3);
    const lines = r.err
      .split('\n')
      .filter((l) => l && !l.startsWith('lifecycle-lens: analys'))
      .map((l) => l.replace(dir + '/', '').replace(tmp + '/', ''));
    const asRoot = process.getuid?.() === 0; // root reads a 000 file anyway
    expect(lines).toEqual([
      'lifecycle-lens: huge.c: skipped: 20.0 MiB is over the 8 MiB limit (--max-file-size)',
      ...(asRoot ? [] : ['lifecycle-lens: secret.c: permission denied']),
      'lifecycle-lens: nope.c: no such file or directory',
      'lifecycle-lens: binary.c: skipped: binary file (contains NUL bytes)',
    ]);
    expect(r.out).toContain("broken.c: unbalanced braces: 8 '{' and 7 '}'");
    expect(r.out).toContain('Object struct nfsd_file');
    expect(r.err).not.toMatch(/at .*\.js:\d+/); // no stack traces
  });

  it('usage errors exit 2 with a message', () => {
    expect(run(['analyze'])).toMatchObject({
      code: 2,
      err: 'lifecycle-lens: analyze needs at least one file or directory\n',
    });
    expect(run(['frobnicate', 'x'])).toMatchObject({
      code: 2,
      err: 'lifecycle-lens: unknown command "frobnicate"\n',
    });
    expect(run(['analyze', '--max-file-size', 'big', 'x.c']).code).toBe(2);
    fs.writeFileSync(path.join(tmp, 'cat.json'), '{"calls":[{"name":"x","role":"nope"}]}');
    const r = run(['analyze', '--catalog', path.join(tmp, 'cat.json'), design('v5-inline')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cat\.json: calls\[0\]\.role must be one of/);
  });

  it('--fail-on error exits 1 when error findings exist', () => {
    expect(
      run(['analyze', '--fail-on', 'error', path.join(FIX, 'primitives/atomic-sleep.c')]).code,
    ).toBe(1);
    expect(run(['analyze', '--fail-on', 'error', design('v5-inline')]).code).toBe(0);
  });
});

describe('lifecycle-lens compare / series / b4-check', () => {
  it('--fail-on LEVEL counts only changes at or above LEVEL', () => {
    // v5 -> v6 has warnings and notes only; v4 -> v5 has errors (the seed case).
    const cmp = (a: string, b: string, level: string) =>
      run(['compare', '--fail-on', level, design(a), design(b)]).code;
    expect(cmp('v5-inline', 'v6-deferred', 'error')).toBe(0);
    expect(cmp('v5-inline', 'v6-deferred', 'warning')).toBe(1);
    expect(cmp('v4-sentinel', 'v5-inline', 'error')).toBe(1);
    expect(cmp('v5-inline', 'v5-reformatted', 'warning')).toBe(0);
  });

  it('SARIF output validates against the official SARIF 2.1.0 schema', () => {
    const r = run(['compare', '--format', 'sarif', design('v4-sentinel'), design('v5-inline')]);
    expect(r.code).toBe(0);
    const sarifSchema = JSON.parse(
      fs.readFileSync(
        path.join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
        'utf8',
      ),
    );
    const validate = new AjvDraft4({
      allErrors: true,
      strict: false,
      unicodeRegExp: false,
    }).compile(sarifSchema);
    const log = JSON.parse(r.out);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0].results[0]).toMatchObject({ ruleId: 'LL1', level: 'error' });
    expect(log.runs[0].results[0].codeFlows).toHaveLength(2);
  });

  it('JSON comparison validates against schemas/comparison.schema.json', () => {
    const r = run(['compare', '--format', 'json', design('v5-inline'), design('v6-deferred')]);
    const validate = new Ajv({ allErrors: true }).compile(schema('comparison.schema.json'));
    const doc = JSON.parse(r.out);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.comparison.changes).toHaveLength(4);
  });

  it('the review summary is plain text wrapped at 72 columns', () => {
    const r = run(['compare', '--format', 'review', design('v4-sentinel'), design('v5-inline')]);
    const lines = r.out.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(72);
    expect(lines.find((l) => l.startsWith('1) '))).toBe(
      '1) nfsd_file_close_inode() now runs fput, fsync inline in fsnotify',
    );
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(
      '(Generated by Lifecycle Lens 0.1.0; a human should check it.)',
    );
  });

  it('-o writes the whole report or nothing', () => {
    const out = path.join(tmp, 'report.md');
    expect(
      run([
        'compare',
        '--format',
        'markdown',
        '-o',
        out,
        design('v4-sentinel'),
        design('v5-inline'),
      ]).code,
    ).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^# Behaviour changes: /);
    const r = run([
      'compare',
      '-o',
      path.join(tmp, 'no/such/dir/x.txt'),
      design('v4-sentinel'),
      design('v5-inline'),
    ]);
    expect(r.code).toBe(2);
    expect(fs.existsSync(path.join(tmp, 'no'))).toBe(false);
  });

  it('series: a patch that does not apply names the patch and exits 2', () => {
    const r = run([
      'series',
      '-q',
      '--base',
      path.join(FIX, 'series/base'),
      path.join(FIX, 'series/bad/not-applying.mbox'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/patch ".*" does not apply/);
  });

  it('the same bad mbox (binary) exits 2 in every command that reads one', () => {
    const bin = path.join(tmp, 'binary.mbox');
    fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0]));
    const base = path.join(FIX, 'series/base');
    const series = run(['series', '-q', '--base', base, bin]);
    const draft = run([
      'draft',
      '-q',
      '--base',
      base,
      '--series',
      bin,
      '--cover',
      '--from',
      'A <a@b.c>',
    ]);
    expect([series.code, draft.code]).toEqual([2, 2]);
    for (const r of [series, draft]) {
      expect(r.err).toMatch(/^lifecycle-lens: .*binary\.mbox/);
      expect(r.err).not.toMatch(/at .*\.js:\d+/);
    }
  });

  it('series: every change names the patch that introduced it (n/m and subject)', () => {
    const r = run([
      'series',
      '-q',
      '--format',
      'json',
      '--base',
      path.join(FIX, 'series/base'),
      path.join(FIX, 'series/v1.mbox'),
      path.join(FIX, 'series/v2.mbox'),
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      series: {
        comparisons: { changes: { code: string; function: string; introducedBy?: string }[] }[];
      };
    };
    const by = (i: number) =>
      doc.series.comparisons[i].changes.map(
        (c) => `${c.code} ${c.function}: ${c.introducedBy?.replace(/: .*/, '')}`,
      );
    // base -> v1: the refcount rework is patch 3, the hash conversion patch 2, the
    // LRU helpers patch 1, the synchronous purge patch 4.
    expect(new Set(by(0))).toEqual(
      new Set([
        'LL1 nfsd_file_close_inode: v1 3/5',
        'LL2 nfsd_file_lru_add: v1 1/5',
        'LL3 nfsd_file_put: v1 3/5',
        'LL3 nfsd_file_unhash_and_dispose_locked: v1 2/5',
        'LL3 nfsd_file_lru_cb: v1 3/5',
        'LL13 nfsd_file_lru_cb: v1 3/5',
        'LL3 nfsd_file_put_noref: v1 3/5',
        'LL2 nfsd_file_hash_insert: v1 3/5',
        'LL3 nfsd_file_cache_purge: v1 3/5',
        'LL3 nfsd_file_dispose_isolated: v1 3/5',
        'LL6 nfsd_file_cache_purge: v1 4/5',
        'LL6 nfsd_file_close_inode: v1 3/5',
        'LL6 nfsd_file_close_inode_sync: v1 4/5',
        'LL4 nfsd_file_unhash: v1 2/5',
        'LL4 nfsd_file_hash_remove_locked: v1 2/5',
        'LL1 nfsd_file_put: v1 3/5',
        'LL4 nfsd_file_hash_insert: v1 2/5',
      ]),
    );
    // v1 -> v2: patch 3 of v2 is where the versions depart (the close moves back).
    expect(new Set(by(1))).toEqual(
      new Set([
        'LL3 nfsd_file_close_inode: v2 3/5',
        'LL6 nfsd_file_close_inode: v2 3/5',
        'LL1 nfsd_file_close_inode: v2 3/5',
      ]),
    );
    expect(doc.series.comparisons[1].changes[0].introducedBy).toMatch(
      /^v2 3\/5: \[PATCH v2 3\/5\] /,
    );
  });

  it('--version prints the version (exit 0)', () => {
    expect(run(['--version'])).toMatchObject({ code: 0, out: 'lifecycle-lens 0.1.0\n' });
  });

  it('singular counts, and a missing token is reported with its line', () => {
    const f = path.join(tmp, 'missing.c');
    fs.writeFileSync(f, 'int f(void)\n{\n\treturn 1\n}\n');
    const r = run(['analyze', f]);
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      'Analysed 1 file, 1 function (1 with parse errors, 100.0%).',
      `  ${f}: syntax error at line 3 (missing token)`,
      `  ${f}: 1 of 1 function has parse errors (f)`,
    ]);
  });

  it('b4-check reads one patch on stdin and prints b4 check JSON', () => {
    const repo = path.join(tmp, 'kernel');
    fs.mkdirSync(path.join(repo, 'fs/nfsd'), { recursive: true });
    fs.copyFileSync(
      path.join(FIX, 'series/base/fs/nfsd/filecache.c'),
      path.join(repo, 'fs/nfsd/filecache.c'),
    );
    const git = gitIn(repo);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    // Patches 1 and 2 of v1 applied first, so patch 3 (the refcount rework) applies on HEAD.
    const mbox = fs.readFileSync(path.join(FIX, 'series/v1.mbox'), 'utf8');
    const mails = mbox.split(/^(?=From [0-9a-f]{40} )/m);
    fs.writeFileSync(path.join(tmp, 'first2.mbox'), mails[1] + mails[2]);
    git('am', '-q', path.join(tmp, 'first2.mbox'));
    const r = spawnSync(process.execPath, [CLI, 'b4-check', '--repo', repo], {
      input: mails[3],
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const results = JSON.parse(r.stdout) as {
      tool: string;
      status: string;
      summary: string;
      details: string;
    }[];
    expect(results.map((x) => [x.tool, x.status, x.summary])).toEqual([
      ['lifecycle-lens', 'fail', '16 behaviour changes (2 errors, 14 warnings)'],
    ]);
    for (const x of results)
      expect(Object.keys(x).sort()).toEqual(['details', 'status', 'summary', 'tool', 'url']);
    // One structured details entry per change, with the fields b4's check view reads.
    const details = JSON.parse(results[0].details) as Record<string, string>[];
    expect(details.length).toBe(16);
    expect(details[0]).toEqual({
      status: 'fail',
      context: 'LL1 release-context',
      state: 'error',
      description:
        'nfsd_file_close_inode(): nfsd_file_close_inode() now runs fput, fsync inline in fsnotify callback (entry nfsd_file_fsnotify_handle_event()); before: deferred (workqueue) [deferred (workqueue) -> inline (fsnotify)]',
      url: '',
      srcline: 'fs/nfsd/filecache.c: +\t\tnfsd_file_put(nf);',
    });
    const bad = spawnSync(process.execPath, [CLI, 'b4-check', '--repo', repo], {
      input: 'Subject: hi\n\nno patch here\n',
      encoding: 'utf8',
    });
    expect(JSON.parse(bad.stdout)).toEqual([
      {
        tool: 'lifecycle-lens',
        status: 'warn',
        summary: 'not checked: <stdin> contains no patches',
        url: null,
        details: '<stdin> contains no patches',
      },
    ]);
  });
});

it('compare keeps the callees it summarised on demand for the next run, like analyze', () => {
  const tree = path.join(FIX, 'kernel-tree');
  const file = path.join(tree, 'fs/gizmo/gizmo.c');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-compare-cache-'));
  try {
    const r = run(['compare', file, file, '--cache-dir', cacheDir]);
    expect(r.code).toBe(0);
    const kept: string[] = [];
    const problems: string[] = [];
    for (const entries of partEntries(treeIndexDir(cacheDir, tree), problems))
      kept.push(...entries.map((e) => `${e.p}: ${e.n} functions`));
    expect(problems).toEqual([]);
    expect(kept.sort()).toEqual(['fs/gizmo/backing.c: 1 functions']);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

it('says, even without --verbose, when the tree has an index this run cannot use', () => {
  const tree = path.join(FIX, 'kernel-tree');
  const file = path.join(tree, 'fs/gizmo/gizmo.c');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-stale-cache-'));
  try {
    expect(run(['index', tree, '-q', '--cache-dir', cacheDir]).code).toBe(0);
    const current = run(['analyze', file, '-q', '--cache-dir', cacheDir]);
    expect([current.code, current.err]).toEqual([0, '']);
    // Another catalog: the index was built with the shipped one only.
    const catalog = path.join(cacheDir, 'extra.json');
    fs.writeFileSync(catalog, '{"calls":[{"name":"gizmo_extra_put","role":"ref-put"}]}');
    const stale = run(['analyze', file, '-q', '--cache-dir', cacheDir, '--catalog', catalog]);
    expect([stale.code, stale.err]).toEqual([
      0,
      `lifecycle-lens: callees: the index of ${tree} is stale (built with another primitive catalog): ` +
        `not used (run \`lifecycle-lens index ${tree}\` to refresh it); ` +
        `summarising the callees' files of ${tree} on demand\n`,
    ]);
    // A damaged manifest: said, not used, and the next index run closes the tree again.
    const manifest = path.join(treeIndexDir(cacheDir, tree), 'closed', 'manifest.jsonl');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"release"', '"relase"'));
    const damaged = run(['analyze', file, '-q', '--cache-dir', cacheDir]);
    expect([damaged.code, damaged.err]).toEqual([
      0,
      `lifecycle-lens: callees: the index of ${tree} is damaged (${manifest}:2: checksum mismatch (corrupt record)): ` +
        `not used (run \`lifecycle-lens index ${tree}\` to rebuild it); ` +
        `summarising the callees' files of ${tree} on demand\n`,
    ]);
    const reindexed = run(['index', tree, '--cache-dir', cacheDir]);
    expect(reindexed.err.split('\n')[1]).toBe(
      `lifecycle-lens: closing the whole tree: ${manifest}:2: checksum mismatch (corrupt record)`,
    );
    expect(run(['analyze', file, '-q', '--cache-dir', cacheDir]).err).toBe('');
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
