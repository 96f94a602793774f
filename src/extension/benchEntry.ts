// Bundle entry for scripts/bench-extension.mjs: the vscode-free host-side pieces.
export { AnalysisClient } from './analysisClient';
export { fileNotes, findingDiagnostics, ModelView } from './present';
