export { type KeyValue, type NormalizedBatch, normalizeBatch } from "./batch.ts";
export {
  MlflowRestError,
  type MlflowRestErrorDetails,
  TrackingError,
  TrackingValidationError,
} from "./errors.ts";
export { FileStore, type FileStoreOptions } from "./file-store.ts";
export { newExperimentId, newModelId, newRunId } from "./ids.ts";
export { formatMetricValue, modelMetricLine, runMetricLine } from "./metric-line.ts";
export {
  buildMlmodel,
  type CatboostFlavorOptions,
  type ColSpec,
  type ColSpecType,
  catboostFlavors,
  type MlmodelFields,
  type ModelSignature,
  pythonEnvFiles,
  signatureToMlmodel,
  type TensorSpec,
} from "./mlmodel.ts";
export { type OpenTrackingOptions, openTracking } from "./open-tracking.ts";
export { LOG_BATCH_LIMITS, type LogBatchBody, splitLogBatch } from "./rest-batches.ts";
export {
  DEFAULT_RETRY,
  MlflowHttp,
  type MlflowHttpOptions,
  type RestRequest,
  type RetryPolicy,
} from "./rest-http.ts";
export { proxyArtifactPath, RestStore, type RestStoreOptions } from "./rest-store.ts";
export { DEFAULT_TRACKING_DIR, parseTrackingUri, redactUri, type TrackingTarget } from "./tracking-uri.ts";
export type {
  ArtifactContent,
  CreateRunOptions,
  LogBatch,
  LoggedModelInfo,
  LogModelOptions,
  MetricPoint,
  ParamValue,
  TrackingClient,
} from "./types.ts";
export {
  type KeyKind,
  MLFLOW_LIMITS,
  mlflowMetricKey,
  RUN_STATUS_CODES,
  type RunEndStatus,
  validateArtifactPath,
  validateExperimentName,
  validateKey,
  validateLoggedModelName,
  validateRunId,
} from "./validation.ts";
export { pythonJson, quoteYamlString, toYaml, type YamlMapping, type YamlValue } from "./yaml-text.ts";
