import type { FeatureFrame, LabelledFrame } from "./dataset.ts";
import type { ParamValue } from "./model-config.ts";

/** Which trainer runs a configuration. */
export type EngineName = "builtin" | "catboost";

/** A trained model as bytes, with what a reader needs to know about it. */
export type SerializedModel =
  | { readonly engine: "builtin"; readonly json: string }
  | { readonly engine: "catboost"; readonly cbm: Uint8Array; readonly json: string | undefined };

/** The outcome of one configuration of the grid. */
export interface ConfigurationResult {
  /** 0-based iteration the kept model ends at (use_best_model). */
  readonly bestIteration: number;
  /** Iterations actually trained (early stopping may end before `iterations`). */
  readonly iterationsTrained: number;
  /** Learning curves: metric name (as CatBoost prints it) → value per iteration. */
  readonly learnMetrics: Readonly<Record<string, readonly number[]>>;
  readonly evalMetrics: Readonly<Record<string, readonly number[]>>;
  /** Sorted class labels; column order of `evalProbabilities`. */
  readonly classes: readonly string[];
  /** The kept model's class probabilities on the eval rows (rows × classes). */
  readonly evalProbabilities: Float64Array;
  readonly featureImportance: Readonly<Record<string, number>>;
  readonly model: SerializedModel;
  readonly seconds: number;
}

/** Everything a configuration needs; plain data, so it crosses to a worker thread. */
export interface ConfigurationInput {
  readonly learn: LabelledFrame;
  readonly eval: LabelledFrame;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** A scratch folder the engine may use (the catboost engine writes its pools there). */
  readonly workDir: string;
}

/** A trainer: the built-in engine or the catboost CLI. */
export interface Engine {
  readonly name: EngineName;
  /** Name and version recorded with runs and models (e.g. `ct-gbdt 2`, `catboost 1.2.7`). */
  readonly description: string;
  /** Throws a UsageError naming a parameter the engine does not accept, before any work starts. */
  checkParams(params: Readonly<Record<string, ParamValue>>): void;
  trainConfiguration(input: ConfigurationInput): Promise<ConfigurationResult>;
  /** Class probabilities of a serialized model on rows (for the gate and scoring). */
  predictProbabilities(model: SerializedModel, rows: FeatureFrame, workDir: string): Promise<Float64Array>;
}
