export { builtinEngine } from "./builtin-engine.ts";
export {
  type FeatureFrame,
  type FeatureSchema,
  frameFromRecords,
  hashFiles,
  type LabelledFrame,
  readCsvRecords,
  readLabelledCsv,
  schemaFromHeader,
} from "./dataset.ts";
export type { ConfigurationResult, Engine, EngineName, SerializedModel } from "./engine.ts";
export {
  ENGINE_CHOICES,
  type EngineChoice,
  type EngineOptions,
  engineByName,
  resolveEngine,
} from "./engines.ts";
export { decidePromotion, type GateDecision, PROMOTE_POLICIES, type PromotePolicy } from "./gate.ts";
export { ConfigurationError, configurationParams, runGrid, runGridWorkerIfWorker } from "./grid-runner.ts";
export {
  argmaxLabels,
  bestScores,
  type ClassificationReport,
  classificationReport,
  scoresAt,
} from "./metrics.ts";
export {
  DEFAULT_MODEL_CONFIG,
  expandGrid,
  type GridConfiguration,
  loadModelConfig,
  type ModelConfig,
  type ParamValue,
  parseModelConfig,
} from "./model-config.ts";
export { type PredictOptions, type PredictSummary, predictCsv } from "./predict.ts";
export { confusionMatrixSvg, trainingReportMarkdown } from "./report.ts";
export { runTrain, type TrainOptions, type TrainResultSummary } from "./run.ts";
export { applyScalers, parseScalers, type Scalers, unapplyScalers } from "./scalers.ts";
export { type LoadedModel, loadTrainedModel, STORED_FILES } from "./stored-model.ts";
export { experimentName } from "./tracking-log.ts";
