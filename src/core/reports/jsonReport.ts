// JSON output of an analysis. The document's shape is schemas/analysis.schema.json,
// generated from model.ts; `schemaVersion` changes only with incompatible edits.
import { MODEL_VERSION, type ProgramModel } from '../model';

export const TOOL_VERSION = '0.1.0';

export interface AnalysisDocument {
  tool: 'lifecycle-lens';
  toolVersion: string;
  schemaVersion: number;
  model: ProgramModel;
}

export function analysisDocument(model: ProgramModel): AnalysisDocument {
  return { tool: 'lifecycle-lens', toolVersion: TOOL_VERSION, schemaVersion: MODEL_VERSION, model };
}

export function jsonReport(model: ProgramModel): string {
  return JSON.stringify(analysisDocument(model), null, 2) + '\n';
}
