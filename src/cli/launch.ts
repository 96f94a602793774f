#!/usr/bin/env node
// lifecycle-lens: starts the command line (dist/cliMain.js, from main.ts)
// through V8's code cache (src/node/codeCache.ts), or hands it to a running
// command server of this build (src/cli/server.ts). Kept small: everything it
// loads is loaded before the cache can help.
import fs from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../node/cacheDir';
import { runBundleWithCodeCache } from '../node/codeCache';
import { runThroughServer } from './serverClient';
import {
  SERVED_COMMANDS,
  serverSocketDir,
  serverSocketPath,
  unsafeSocketDir,
} from './serverSocket';
import { stopOnWriteFailure } from './stdio';

const bundle = path.join(__dirname, 'cliMain.js');
// One cache per command: each holds the functions its command runs.
const command = /^[a-z][a-z0-9-]{0,30}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const debug = (m: string) => {
  if (process.env.LIFECYCLE_LENS_DEBUG) process.stderr.write(`lifecycle-lens: ${m}\n`);
};

function runHere(): void {
  const cacheDir = process.env.LIFECYCLE_LENS_NO_CODE_CACHE ? undefined : defaultCacheDir();
  debug(`code cache ${runBundleWithCodeCache(bundle, cacheDir, command)}`);
}

/** The socket of a server that may run this command, if one seems to be running. */
function serverSocket(): string | undefined {
  if (process.env.LIFECYCLE_LENS_NO_SERVER || !SERVED_COMMANDS.has(command)) return undefined;
  const dir = serverSocketDir();
  if (!fs.existsSync(dir) || unsafeSocketDir(dir)) return undefined;
  const sock = serverSocketPath(bundle, dir);
  return fs.existsSync(sock) ? sock : undefined;
}

const sock = serverSocket();
if (sock) {
  stopOnWriteFailure();
  runThroughServer(sock, process.argv.slice(2), () => {
    debug(`no server answered on ${sock}`);
    runHere();
  });
} else runHere();
