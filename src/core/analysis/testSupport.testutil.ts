// Shared by the analyzer tests: analyse fixture files the way the CLI does.
import fs from 'node:fs';
import path from 'node:path';
import { analyzeSources } from './analyze';
import type { ProgramModel } from '../model';
import { nodeParser } from '../../node/wasmFiles';

export const FIXTURES = path.resolve(__dirname, '../../../test-fixtures');

export async function analyzeFixture(...relPaths: string[]): Promise<ProgramModel> {
  const parser = await nodeParser();
  const sources = relPaths.map((p) => ({
    path: p,
    text: fs.readFileSync(path.join(FIXTURES, p), 'utf8'),
  }));
  return analyzeSources(sources, { parser });
}

export function fn(model: ProgramModel, name: string) {
  const f = model.functions.find((x) => x.name === name);
  if (!f) throw new Error(`no function ${name} in model`);
  return f;
}

/** Entry points as "function:context". */
export function entries(model: ProgramModel): string[] {
  return model.entryPoints.map((e) => `${e.function}:${e.context}`).sort();
}

/** Findings as "kind function line". */
export function findings(model: ProgramModel): string[] {
  return model.findings.map((f) => `${f.kind} ${f.function} ${f.at.line}`);
}

/** Findings in full: kind, function, line, confidence, message and what a guess rests on. */
export function findingRows(model: ProgramModel) {
  return model.findings.map((f) => [
    f.kind,
    f.function,
    f.at.line,
    f.confidence,
    f.message,
    f.guesses,
  ]);
}

/** Derived wrappers as "function:kind". */
export function wrappers(model: ProgramModel): string[] {
  return model.functions
    .filter((f) => f.wrapper)
    .map((f) => `${f.name}:${f.wrapper}`)
    .sort();
}
