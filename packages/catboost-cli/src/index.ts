export {
  buildCalcArgs,
  type CalcArgsInput,
  type CalcOutput,
  calcProbabilities,
  parseCalcOutput,
  type ScoreInput,
  scoreWithCatboost,
} from "./calc.ts";
export {
  bestIterationOf,
  bestScoresOf,
  type ErrorLog,
  type FitSummary,
  findMetricColumn,
  isHigherBetter,
  metricNameWithClass,
  metricsWithClassNames,
  parseCatboostNumber,
  parseErrorFile,
  parseFeatureImportance,
  readSummaryLine,
} from "./error-log.ts";
export {
  type CatboostFailureKind,
  CatboostOutputError,
  CatboostParamError,
  CatboostRunError,
  type CatboostRunErrorDetails,
  PoolFormatError,
} from "./errors.ts";
export {
  catboostVersion,
  type FindCatboostOptions,
  findCatboost,
  isExecutableFile,
  parseVersionOutput,
  searchPath,
} from "./find.ts";
export {
  buildFitArgs,
  FIT_PARAMS,
  type FitOutputOptions,
  type FitParamSpec,
  type FitPaths,
  type ModelFormat,
  modelFormatOfPath,
  modelOutputFiles,
  type ParamKind,
} from "./params.ts";
export {
  columnDescription,
  formatLabel,
  formatNumeric,
  formatStringField,
  MISSING_NUMERIC,
  type PoolColumns,
  type PoolData,
  poolColumns,
  type WritePoolOptions,
  type WrittenPool,
  writePool,
} from "./pool.ts";
export {
  describeFailure,
  EXCEPTION_MARKER,
  type OutputStream,
  type RunCatboostOptions,
  runCatboost,
  runFit,
} from "./run.ts";
export {
  classOrder,
  type LabelledPoolData,
  type TrainWithCatboostInput,
  type TrainWithCatboostResult,
  trainWithCatboost,
} from "./train.ts";
