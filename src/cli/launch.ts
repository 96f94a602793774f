#!/usr/bin/env node
// lifecycle-lens: starts the command line (dist/cliMain.js, from main.ts)
// through V8's code cache (src/node/codeCache.ts). Kept small: everything it
// loads is loaded before the cache can help.
import path from 'node:path';
import { defaultCacheDir } from '../node/cacheDir';
import { runBundleWithCodeCache } from '../node/codeCache';

const bundle = path.join(__dirname, 'cliMain.js');
const cacheDir = process.env.LIFECYCLE_LENS_NO_CODE_CACHE ? undefined : defaultCacheDir();
// One cache per command: each holds the functions its command runs.
const command = /^[a-z][a-z0-9-]{0,30}$/.test(process.argv[2] ?? '') ? process.argv[2] : 'other';
const use = runBundleWithCodeCache(bundle, cacheDir, command);
if (process.env.LIFECYCLE_LENS_DEBUG) process.stderr.write(`lifecycle-lens: code cache ${use}\n`);
