// The compact encoding of closed summaries: what is written reads back as it was,
// release reaches are stored once, defaults and closure-only fields are left out.
import { describe, expect, it } from 'vitest';
import type { CalleeSummary } from '../../core/analysis/calleeSummary';
import { decodeClosed, encodeClosed, ReleaseTable } from './closedRecords';

const close = {
  kind: 'close',
  sink: 'filp_close',
  mode: 'inline',
  file: 'fs/a_close.c',
  line: 7,
} as const;
const deferred = { ...close, mode: 'deferred', context: 'workqueue' } as const;

const holder: CalleeSummary = {
  name: 'holder_release',
  file: 'fs/holder.c',
  line: 40,
  isStatic: false,
  wrapper: 'put',
  wrapperParam: 0,
  objectType: 'holder',
  params: [{ put: true }],
  sinks: [{ kind: 'close', sink: 'filp_close', file: 'fs/holder.c', line: 44 }],
  edges: [{ to: 'holder_close', kind: 'call' }],
  entered: [{ context: 'workqueue', via: 'INIT_WORK', line: 12 }],
  sleeps: true,
  release: [close, deferred],
  maySleep: true,
  startsContexts: ['workqueue'],
  reachedIn: [
    { context: 'process', via: 'holder_put', kind: 'call', file: 'fs/holder.c', line: 60 },
    { context: 'workqueue', via: 'holder_work', kind: 'register', file: 'fs/other.c', line: 9 },
  ],
};
const quiet: CalleeSummary = {
  name: 'holder_name',
  file: 'fs/holder.c',
  line: 70,
  isStatic: true,
  release: [close],
  maySleep: false,
  startsContexts: [],
};

describe('closed summary encoding', () => {
  it('stores each release reach once and reads every summary back without the closure-only fields', () => {
    const table = new ReleaseTable();
    const a = encodeClosed(holder, table);
    const b = encodeClosed(quiet, table);
    expect(table.list).toEqual([close, deferred]);
    expect(a).toEqual({
      name: 'holder_release',
      file: 'fs/holder.c',
      line: 40,
      wrapper: 'put',
      wrapperParam: 0,
      objectType: 'holder',
      params: [{ put: true }],
      rl: [0, 1],
      maySleep: true,
      startsContexts: ['workqueue'],
      ri: [
        ['process', 'holder_put', 'call', 0, 60],
        ['workqueue', 'holder_work', 'register', 'fs/other.c', 9],
      ],
    });
    expect(b).toEqual({
      name: 'holder_name',
      file: 'fs/holder.c',
      line: 70,
      isStatic: true,
      rl: [0],
    });
    // The name comes first: buckets are searched for `{"name":...` without decoding.
    expect(JSON.stringify(a).startsWith('{"name":"holder_release",')).toBe(true);
    const back = (s: CalleeSummary) => {
      const { edges: _e, sinks: _s, entered: _n, sleeps: _z, ...kept } = s;
      void [_e, _s, _n, _z];
      return kept;
    };
    const roundTrip = (s: CalleeSummary) =>
      decodeClosed(JSON.parse(JSON.stringify(encodeClosed(s, table))), table.list);
    expect(roundTrip(holder)).toEqual(back(holder));
    expect(roundTrip(quiet)).toEqual(back(quiet));
  });

  it('refuses a summary naming a release its table lacks', () => {
    const table = new ReleaseTable();
    const stored = encodeClosed(holder, table);
    expect(decodeClosed(stored, table.list.slice(0, 1))).toBeUndefined();
  });
});
