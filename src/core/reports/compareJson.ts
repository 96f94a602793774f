// JSON documents for comparisons (schemas/comparison.schema.json).
import type { ComparisonResult, SeriesComparison } from '../compare/compareTypes';
import { COMPARISON_VERSION } from '../compare/compareTypes';
import { TOOL_VERSION } from './jsonReport';

export interface ComparisonDocument {
  tool: 'lifecycle-lens';
  toolVersion: string;
  schemaVersion: number;
  comparison: ComparisonResult;
}

export interface SeriesDocument {
  tool: 'lifecycle-lens';
  toolVersion: string;
  schemaVersion: number;
  series: SeriesComparison;
}

export function comparisonDocument(comparison: ComparisonResult): ComparisonDocument {
  return {
    tool: 'lifecycle-lens',
    toolVersion: TOOL_VERSION,
    schemaVersion: COMPARISON_VERSION,
    comparison,
  };
}

export function seriesDocument(series: SeriesComparison): SeriesDocument {
  return {
    tool: 'lifecycle-lens',
    toolVersion: TOOL_VERSION,
    schemaVersion: COMPARISON_VERSION,
    series,
  };
}
