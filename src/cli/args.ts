// Command-line parsing and the documented exit codes.
export const EXIT = {
  /** Analysis ran; findings, if any, are in the report. */
  ok: 0,
  /** --fail-on was given and findings at that severity (or behaviour changes) exist. */
  findings: 1,
  /** Bad command line or catalog file. */
  usage: 2,
  /** Some inputs could not be read or analysed (the rest were); or nothing to analyse. */
  input: 3,
  /** A bug in lifecycle-lens. */
  internal: 4,
} as const;

export class UsageError extends Error {}

export interface CliArgs {
  command?: string;
  paths: string[];
  json: boolean;
  verbose: boolean;
  quiet: boolean;
  help: boolean;
  version?: boolean;
  catalogs: string[];
  maxFileBytes?: number;
  failOn?: 'error' | 'warning';
  format?: string;
  output?: string;
  git?: [string, string];
  repo?: string;
  base?: string;
  baseRev?: string;
  /** series: a --base/--base-rev given after an mbox is that mbox's own (by path index). */
  versionBases: ({ dir: string } | { rev: string } | undefined)[];
  explain: boolean;
  /** analyze: also report findings that rest on a guess. */
  allFindings?: boolean;
  /** compare: also run the experimental rules (none today). */
  experimentalRules?: boolean;
  /** draft: the series version to reply to, the previous version, patch number, cover, sender. */
  series?: string;
  previous?: string;
  patch?: number;
  cover?: boolean;
  from?: string;
  /** series/draft: replies to a version (mbox, .eml or pasted text; our drafts or reviewers' mail). */
  replies?: string[];
  /** Kernel tree for callee summaries (--tree), none at all (--no-tree), index location. */
  tree?: string;
  noTree?: boolean;
  cacheDir?: string;
  /** analyze: extract every file again instead of reading unchanged files' facts. */
  noFactsCache?: boolean;
  /** index --shard i/n */
  shard?: { i: number; n: number };
  /** server: minutes without a command before it stops. */
  idleMinutes?: number;
  rest: string[];
}

export function parseArgs(argv: string[]): CliArgs {
  const a: CliArgs = {
    paths: [],
    json: false,
    verbose: false,
    quiet: false,
    help: false,
    explain: false,
    catalogs: [],
    rest: [],
    versionBases: [],
  };
  const ownBase = () => a.command === 'series' && a.paths.length > 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--') {
      a.rest.push(...argv.slice(i + 1));
      break;
    }
    switch (arg) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '-V':
      case '--version':
        a.version = true;
        break;
      case '--json':
        a.json = true;
        a.format = 'json';
        break;
      case '--all-findings':
        a.allFindings = true;
        break;
      case '--experimental-rules':
        a.experimentalRules = true;
        break;
      case '-v':
      case '--verbose':
        a.verbose = true;
        break;
      case '-q':
      case '--quiet':
        a.quiet = true;
        break;
      case '--catalog':
        a.catalogs.push(value());
        break;
      case '--format':
        a.format = value();
        a.json = a.format === 'json';
        break;
      case '-o':
      case '--output':
        a.output = value();
        break;
      case '--git':
        a.git = [value(), value()];
        break;
      case '--repo':
        a.repo = value();
        break;
      case '--base':
        if (ownBase()) a.versionBases[a.paths.length - 1] = { dir: value() };
        else a.base = value();
        break;
      case '--base-rev':
        if (ownBase()) a.versionBases[a.paths.length - 1] = { rev: value() };
        else a.baseRev = value();
        break;
      case '--explain':
        a.explain = true;
        break;
      case '--series':
        a.series = value();
        break;
      case '--previous':
        a.previous = value();
        break;
      case '--patch': {
        const v = value();
        if (!/^\d+$/.test(v))
          throw new UsageError(`--patch takes a patch number such as 3, not "${v}"`);
        a.patch = Number(v);
        break;
      }
      case '--cover':
        a.cover = true;
        break;
      case '--from':
        a.from = value();
        break;
      case '--replies':
        a.replies = [...(a.replies ?? []), value()];
        break;
      case '--max-file-size': {
        const v = value();
        const m = /^(\d+)([kKmM]?)$/.exec(v);
        if (!m) throw new UsageError(`--max-file-size takes a size such as 8M or 500K, not "${v}"`);
        a.maxFileBytes = Number(m[1]) * (m[2].toLowerCase() === 'm' ? 1048576 : m[2] ? 1024 : 1);
        break;
      }
      case '--tree':
        a.tree = value();
        break;
      case '--no-tree':
        a.noTree = true;
        break;
      case '--cache-dir':
        a.cacheDir = value();
        break;
      case '--no-facts-cache':
        a.noFactsCache = true;
        break;
      case '--shard': {
        const v = value();
        const m = /^(\d+)\/(\d+)$/.exec(v);
        if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
          throw new UsageError(`--shard takes i/n with 0 <= i < n, such as 0/4, not "${v}"`);
        a.shard = { i: Number(m[1]), n: Number(m[2]) };
        break;
      }
      case '--idle-minutes': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1440)
          throw new UsageError(`--idle-minutes takes whole minutes from 1 to 1440, not "${v}"`);
        a.idleMinutes = Number(v);
        break;
      }
      case '--fail-on': {
        const v = value();
        if (v !== 'error' && v !== 'warning')
          throw new UsageError('--fail-on takes "error" or "warning"');
        a.failOn = v;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-')
          throw new UsageError(`unknown option ${arg} (see --help)`);
        if (!a.command) a.command = arg;
        else a.paths.push(arg);
    }
  }
  return a;
}

export function usage(): string {
  return `lifecycle-lens: object lifecycles and execution contexts in kernel C

Usage:
  lifecycle-lens analyze <file|dir>... [--json] [--verbose]
  lifecycle-lens compare <before> <after> [--format F] [-o FILE]
  lifecycle-lens compare --git <revA> <revB> [--repo DIR] [-- <path>...]
  lifecycle-lens series (--base DIR | --base-rev REV [--repo DIR]) <vN.mbox> [<vN+1.mbox>...]
  lifecycle-lens series [--repo DIR] <vN.mbox> [--base DIR | --base-rev REV]
                 <vN+1.mbox> [--base DIR | --base-rev REV] ...
  lifecycle-lens b4-agent [--repo DIR] [--from "Name <addr>"] [prompt]
  lifecycle-lens b4-series-check [--repo DIR] < cover.eml
  lifecycle-lens mcp
  lifecycle-lens b4-check [--repo DIR] < patch.eml
  lifecycle-lens draft (--base DIR | --base-rev REV [--repo DIR]) --series vN.mbox
                 [--previous vN-1.mbox] (--patch M | --cover) [--from "Name <addr>"]
                 [-o reply.eml]
  lifecycle-lens demo
  lifecycle-lens index <tree>... [--cache-dir DIR] [--shard i/n -o shard.llidx]
  lifecycle-lens index merge <a.llidx> <b.llidx>... [-o merged.llidx] [--cache-dir DIR]
  lifecycle-lens server (start | stop | status | run) [--idle-minutes N]

  compare: two files or directories, or two git revisions (read from git's
  object store; the work tree is not touched). series: applies each mbox (as
  b4 am or git format-patch write them) to the base in a private temporary
  tree and compares base -> first version -> next version; a --base or
  --base-rev after an mbox is that version's own base, and a version without
  one uses its base-commit: trailer (resolved in --repo); between versions on
  different bases the base drift is reported apart from the series' own
  changes, and hunks on files the base lacks are skipped and listed. b4-check: for
  \`b4 review\`; applies one patch read from stdin to HEAD of the repository and
  prints b4's check JSON (under b4 review: the patch's commit on the review
  branch). b4-series-check: b4's series check on its review branch. b4-agent:
  b4's review agent; writes .git/b4-review/<HEAD>/ on the checked-out review
  branch. mcp: a Model Context Protocol server on stdin/stdout. draft: compares the series like \`series\` and writes
  a plain-text reply for the list: to patch M (the behaviour changes its hunks
  introduce, quoted inline) or, with --cover, to the cover letter (every change
  against --previous, or against the base). Nothing is sent: with -o it writes
  the .eml and prints the \`git send-email\` command to send it after review.
  server: keeps a process of this build running (start: in the background;
  run: in the foreground) that runs analyze, compare and series for later
  command lines, with no start-up and its compilers warm; each command reads
  its inputs afresh in the caller's directory and environment, as its own
  process would. It stops after --idle-minutes (default 30) without a command,
  when the build changes, or on \`server stop\`. LIFECYCLE_LENS_NO_SERVER=1
  makes a command run in its own process even when a server is running.

Options:
  --json               machine-readable output (schemas/analysis.schema.json,
                       schemas/comparison.schema.json)
  --format F           compare/series: text (default), markdown, json, sarif, review
  --explain            include each rule's explanation in text output
  -o, --output FILE    write the report to FILE (written whole or not at all)
  --catalog FILE       extra primitive catalog (JSON, schemas/catalog.schema.json); repeatable
  --max-file-size N    skip larger files (default 8M)
  --fail-on LEVEL      exit 1 when findings of LEVEL (error|warning) exist
  --from "NAME <ADDR>" draft: the sender (default: git config user.name/email)
  --replies FILE       series, draft --cover: replies to a version (mbox, .eml or
                       pasted text; our own drafts or a reviewer's mail); for each
                       change a reply to vN-1 raised, says whether vN keeps,
                       reverses or changes it; repeatable
  --all-findings       analyze: also list findings that rest on a guess (hidden by default)
  --experimental-rules compare: also run rules still too noisy on real trees (none today)
  --tree DIR           kernel tree for callees outside the analysed files (default:
                       the tree the files sit in: a folder with include/linux and fs
                       or kernel); its index is used when current, else the callees'
                       files are summarised on demand
  --no-tree            only the shipped facts about common kernel helpers
  --cache-dir DIR      index and facts cache location (default $LIFECYCLE_LENS_CACHE,
                       else $XDG_CACHE_HOME/lifecycle-lens or ~/.cache/lifecycle-lens)
  --no-facts-cache     analyze: extract every file again (by default a file whose
                       text is unchanged since an earlier run is read back from
                       the cache directory's facts/)
  --idle-minutes N     server: stop after N minutes without a command (default 30)
  --shard i/n          index: only the files of shard i of n, written with -o (merge
                       the shards with \`index merge\`)
  -v, --verbose        list every entry point and finding path
  -q, --quiet          no progress on stderr
  -V, --version        print the version

Exit codes:
  0  analysis ran (findings, if any, are in the report)
  1  --fail-on matched (analyze: findings; compare/series: behaviour changes)
  2  the command could not run: bad command line or catalog file, unknown
     revision, a patch that does not apply, an mbox that is not a readable
     mail series (series, draft), nothing to reply to (draft)
  3  some inputs could not be read or analysed (the rest were)
  4  internal error
`;
}
