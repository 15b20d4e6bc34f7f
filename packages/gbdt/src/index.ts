export { CTR_BORDER_COUNT, type CtrJson, type CtrTableJson } from "./ctr.ts";
export type { FeatureColumns, FeatureData, PredictInput, StringColumns, TrainData } from "./data.ts";
export { METRIC_NAMES, type Metric, metricNameWithClass } from "./metrics.ts";
export {
  GbdtModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFeatureJson,
  type ModelJson,
  type SplitJson,
  type TokenizedTextJson,
  type TreeJson,
} from "./model.ts";
export {
  DEFAULT_PARAMS,
  type LossFunction,
  type NanMode,
  resolveParams,
  type TrainParams,
} from "./params.ts";
export { computeBorders, quantize } from "./quantize.ts";
export type { TextProcessingSpec, TokenizerJson } from "./text.ts";
export { type IterationInfo, type TrainOptions, type TrainResult, train } from "./train.ts";
