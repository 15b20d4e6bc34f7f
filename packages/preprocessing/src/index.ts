export { DEFAULT_PREPROCESS_CONFIG, NUMERIC_FEATURES, type PreprocessConfig } from "./features.ts";
export { permutation } from "./mt19937.ts";
export {
  csvField,
  preprocessOutputPaths,
  SCALER_SCHEMA_VERSION,
  scalerDocument,
  writeRowsCsv,
} from "./outputs.ts";
export { fitRobustScaler, transformRobust } from "./robust-scaler.ts";
export { type PreprocessOptions, type PreprocessResult, runPreprocess } from "./run.ts";
export { trainTestSplit } from "./split.ts";
export { type PreprocessedSnapshot, preprocessSnapshot, type ScalerParameters } from "./transform.ts";
