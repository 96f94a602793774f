import { describe, expect, it } from 'vitest';
import {
  groupByProgram,
  programNamer,
  programRoots,
  programTree,
  resolveKernelTreeSetting,
} from './programs';

describe('program roots', () => {
  it('two kernel trees side by side are two programs; loose files are the top program', () => {
    const paths = [
      '/w/linux-6.1/fs/nfsd/filecache.c',
      '/w/linux-6.1/include/linux/fs.h',
      '/w/linux-6.12/fs/nfsd/filecache.c',
      '/w/linux-6.12/include/linux/fs.h',
      '/w/linux-6.12/kernel/workqueue.c',
      '/w/fixtures/designs/v5-inline/filecache.c',
    ];
    expect([...programRoots(paths).values()]).toEqual([
      '/w/linux-6.1',
      '/w/linux-6.1',
      '/w/linux-6.12',
      '/w/linux-6.12',
      '/w/linux-6.12',
      '',
    ]);
  });

  it('two copies of the sample designs with include/linux and fs each: two programs', () => {
    const paths = ['a', 'b'].flatMap((c) => [
      `/ws/${c}/fs/nfsd/filecache.c`,
      `/ws/${c}/include/linux/refcount.h`,
    ]);
    expect([...groupByProgram(paths).entries()]).toEqual([
      ['/ws/a', ['/ws/a/fs/nfsd/filecache.c', '/ws/a/include/linux/refcount.h']],
      ['/ws/b', ['/ws/b/fs/nfsd/filecache.c', '/ws/b/include/linux/refcount.h']],
    ]);
  });

  it('a folder with no tree root is one program', () => {
    expect([...groupByProgram(['/x/a.c', '/x/sub/b.c']).keys()]).toEqual(['']);
  });
});

describe('program names', () => {
  it('short tree folders relative to the shared folder; nothing to name for one program', () => {
    const paths = [
      '/w/linux-6.1/fs/nfsd/filecache.c',
      '/w/linux-6.1/include/linux/fs.h',
      '/w/linux-6.12/fs/nfsd/filecache.c',
      '/w/linux-6.12/include/linux/fs.h',
      '/w/fixtures/designs/v5-inline/filecache.c',
    ];
    const name = programNamer(paths);
    expect(paths.map((p) => name?.(p))).toEqual([
      'linux-6.1',
      'linux-6.1',
      'linux-6.12',
      'linux-6.12',
      'top folder',
    ]);
    expect(programNamer(paths.slice(0, 2))).toBeUndefined();
    expect(programNamer(['a/x.c', 'b/y.c'])).toBeUndefined();
    const win = programNamer([
      'C:\\k\\old\\fs\\a.c',
      'C:\\k\\old\\include\\linux\\r.h',
      'C:\\k\\new\\fs\\a.c',
      'C:\\k\\new\\include\\linux\\r.h',
    ]);
    expect(win?.('C:\\k\\new\\fs\\a.c')).toBe('new');
  });
});

describe('lifecycleLens.kernelTree', () => {
  const folders = ['/ws/review', '/ws/other'];
  it('empty means found from the files; paths resolve like catalog files', () => {
    expect(resolveKernelTreeSetting('', folders, '/home/me')).toBeUndefined();
    expect(resolveKernelTreeSetting('  ', folders, '/home/me')).toBeUndefined();
    expect(resolveKernelTreeSetting(undefined, folders, '/home/me')).toBeUndefined();
    expect(resolveKernelTreeSetting('/src/linux-6.12/', folders, '/home/me')).toBe(
      '/src/linux-6.12/',
    );
    expect(resolveKernelTreeSetting('/src/linux/../linux-6.12', folders, '/home/me')).toBe(
      '/src/linux-6.12',
    );
    expect(resolveKernelTreeSetting('../linux', folders, '/home/me')).toBe('/ws/linux');
    expect(resolveKernelTreeSetting('~/src/linux', folders, '/home/me')).toBe('/home/me/src/linux');
    // A relative path with no folder to resolve it against: found from the files.
    expect(resolveKernelTreeSetting('linux', [], '/home/me')).toBeUndefined();
  });

  it("a program's tree: the configured one, else the first its files sit in", () => {
    const trees: Record<string, string> = { '/k/fs/nfsd/vfs.c': '/k' };
    const find = (f: string) => trees[f];
    expect(programTree(['/x/a.c', '/k/fs/nfsd/vfs.c'], undefined, find)).toBe('/k');
    expect(programTree(['/x/a.c'], undefined, find)).toBeUndefined();
    expect(programTree(['/k/fs/nfsd/vfs.c'], '/src/linux', find)).toBe('/src/linux');
  });
});
