// Second thread of listTreeFilesParallel (parallelList.ts): stats the chunks of
// the listed paths it claims, then says it is done.
import { parentPort } from 'node:worker_threads';
import { statClaimed, type StatShare } from './parallelList';

parentPort?.once('message', (share: StatShare) => {
  statClaimed(share, share.rels ? share.rels.split('\0') : []);
  parentPort?.postMessage('done');
});
