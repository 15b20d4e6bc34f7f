export {
  type FeatureColumns,
  GbdtModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelJson,
  type TreeJson,
} from "./model.ts";
export { DEFAULT_PARAMS, type LossFunction, resolveParams, type TrainParams } from "./params.ts";
export { computeBorders, quantize } from "./quantize.ts";
export { type TrainData, type TrainResult, train } from "./train.ts";
