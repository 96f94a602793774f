// The body of a patch mail as git format-patch writes it: commit message,
// "---", diffstat, then the diff (per file, per hunk) and an optional "-- "
// signature. Lines are kept byte-for-byte so replies can quote them exactly.
import { MailError } from './mailError';

export interface PatchLine {
  /** The line exactly as in the mail, including its ' ', '+', '-' or '\' prefix. */
  text: string;
  kind: 'context' | 'add' | 'del' | 'meta';
  /** Line number in the old file (context and deleted lines). */
  oldLine?: number;
  /** Line number in the new file (context and added lines). */
  newLine?: number;
}

export interface PatchHunk {
  /** The "@@ -a,b +c,d @@ section" line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second "@@" (git's enclosing-function hint), trimmed. */
  section: string;
  lines: PatchLine[];
}

export interface PatchFile {
  oldPath: string;
  newPath: string;
  /** "diff --git", "index", "---", "+++" and mode lines. */
  headerLines: string[];
  hunks: PatchHunk[];
}

export interface PatchBody {
  commitMessage: string;
  /** Lines between "---" and the diff (diffstat and notes), blank lines trimmed. */
  diffstat: string[];
  files: PatchFile[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

function stripPrefix(path: string): string {
  return path.replace(/^[ab]\//, '');
}

/** Splits a patch mail body; a body with no diff at all is a MailError('not-a-patch'). */
export function parsePatchBody(body: string): PatchBody {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const firstDiff = lines.findIndex((l) => /^diff --git /.test(l) || /^--- \S/.test(l));
  if (firstDiff < 0) throw new MailError('not-a-patch', 'no diff found in the mail body');
  const sep = lines.findIndex((l, i) => i < firstDiff && l === '---');
  const commitEnd = sep >= 0 ? sep : firstDiff;
  const diffstat = lines.slice(sep >= 0 ? sep + 1 : firstDiff, firstDiff);
  while (diffstat.length && !diffstat[diffstat.length - 1].trim()) diffstat.pop();
  while (diffstat.length && !diffstat[0].trim()) diffstat.shift();
  return {
    commitMessage: lines.slice(0, commitEnd).join('\n').replace(/\n+$/, ''),
    diffstat,
    files: parseDiff(lines, firstDiff),
  };
}

function parseDiff(lines: string[], start: number): PatchFile[] {
  const files: PatchFile[] = [];
  let file: PatchFile | undefined;
  let i = start;
  while (i < lines.length) {
    const line = lines[i];
    if (line === '-- ') break; // format-patch signature: the diff is over
    if (/^diff --git /.test(line)) {
      const m = /^diff --git (\S+) (\S+)/.exec(line);
      file = {
        oldPath: stripPrefix(m?.[1] ?? ''),
        newPath: stripPrefix(m?.[2] ?? ''),
        headerLines: [line],
        hunks: [],
      };
      files.push(file);
      i++;
      continue;
    }
    if (/^--- \S/.test(line) && lines[i + 1]?.startsWith('+++ ')) {
      if (!file || file.hunks.length) {
        file = { oldPath: '', newPath: '', headerLines: [], hunks: [] };
        files.push(file);
      }
      file.headerLines.push(line, lines[i + 1]);
      const oldP = line.slice(4).split('\t')[0];
      const newP = lines[i + 1].slice(4).split('\t')[0];
      if (oldP !== '/dev/null') file.oldPath = stripPrefix(oldP);
      if (newP !== '/dev/null') file.newPath = stripPrefix(newP);
      if (!file.newPath) file.newPath = file.oldPath;
      if (!file.oldPath) file.oldPath = file.newPath;
      i += 2;
      continue;
    }
    const h = HUNK.exec(line);
    if (h && file) {
      const hunk = readHunk(lines, i, h, file.newPath);
      file.hunks.push(hunk.hunk);
      i = hunk.next;
      continue;
    }
    if (file && !file.hunks.length) file.headerLines.push(line);
    i++;
  }
  if (!files.some((f) => f.hunks.length || f.headerLines.length > 1))
    throw new MailError('not-a-patch', 'the diff has no hunks');
  return files;
}

function readHunk(
  lines: string[],
  at: number,
  h: RegExpExecArray,
  path: string,
): { hunk: PatchHunk; next: number } {
  const hunk: PatchHunk = {
    header: lines[at],
    oldStart: Number(h[1]),
    oldLines: h[2] === undefined ? 1 : Number(h[2]),
    newStart: Number(h[3]),
    newLines: h[4] === undefined ? 1 : Number(h[4]),
    section: h[5].trim(),
    lines: [],
  };
  let oldLeft = hunk.oldLines;
  let newLeft = hunk.newLines;
  let oldNo = hunk.oldStart;
  let newNo = hunk.newStart;
  let i = at + 1;
  while (oldLeft > 0 || newLeft > 0) {
    if (i >= lines.length || lines[i] === '-- ' || (i === lines.length - 1 && lines[i] === ''))
      throw new MailError(
        'truncated',
        `${path}: hunk "${hunk.header}" ends after ${hunk.lines.length} lines (corrupt or cut patch)`,
      );
    const text = lines[i];
    // A context line whose single space a mailer stripped reads as empty.
    const c = text === '' ? ' ' : text[0];
    if (c === ' ') {
      hunk.lines.push({ text, kind: 'context', oldLine: oldNo++, newLine: newNo++ });
      oldLeft--;
      newLeft--;
    } else if (c === '-') {
      hunk.lines.push({ text, kind: 'del', oldLine: oldNo++ });
      oldLeft--;
    } else if (c === '+') {
      hunk.lines.push({ text, kind: 'add', newLine: newNo++ });
      newLeft--;
    } else if (c === '\\') hunk.lines.push({ text, kind: 'meta' });
    else
      throw new MailError(
        'truncated',
        `${path}: line ${i + 1} "${text.slice(0, 40)}" is not part of hunk "${hunk.header}"`,
      );
    if (oldLeft < 0 || newLeft < 0)
      throw new MailError(
        'truncated',
        `${path}: hunk "${hunk.header}" has more lines than declared`,
      );
    i++;
  }
  // "\ No newline at end of file" may follow the last line.
  while (lines[i]?.startsWith('\\')) hunk.lines.push({ text: lines[i++], kind: 'meta' });
  return { hunk, next: i };
}
