import { parseMetric } from "./metrics.ts";
import { parseTextProcessing, type TextProcessingSpec } from "./text.ts";

/** Loss functions the engine trains, with CatBoost's names. */
export type LossFunction = "MultiClass" | "MultiClassOneVsAll" | "Logloss" | "RMSE";

/** Where missing numeric values go: below every border (Min), above (Max), or an error (Forbidden). */
export type NanMode = "Min" | "Max" | "Forbidden";

/** Training parameters, with CatBoost's names and defaults. */
export interface TrainParams {
  iterations: number;
  learning_rate: number;
  depth: number;
  l2_leaf_reg: number;
  rsm: number;
  random_seed: number;
  random_strength: number;
  border_count: number;
  loss_function: LossFunction;
  /** Stop after this many iterations without improvement of the eval metric (0 = off). */
  od_wait: number;
  use_best_model: boolean;
  /** Sample weights used for split scoring only (CatBoost: Bayesian for multiclass on CPU). */
  bootstrap_type: "Bayesian" | "Bernoulli" | "No";
  /** Bayesian bootstrap weight = (−log U)^bagging_temperature. */
  bagging_temperature: number;
  /** Bernoulli bootstrap: share of rows kept per tree. */
  subsample: number;
  nan_mode: NanMode;
  /** Accepted for CatBoost compatibility; the engine is single-threaded and results never depend on it. */
  thread_count: number;
  /** Categorical features with at most this many learn values are one-hot split, the others get CTRs. */
  one_hot_max_size: number;
  /** Accepted; only single-feature CTRs are built (no feature combinations). */
  max_ctr_complexity: number;
  /** Permutations with CTRs: max(1, n − 1) learning folds plus one averaging fold. */
  permutation_count: number;
  /** Penalty on CTR splits not yet in the model: score × (1 + u/U)^−model_size_reg. */
  model_size_reg: number;
  /** Names of the categorical columns; when given it must equal the keys of `data.categorical`. */
  cat_features?: string[];
  /** Names of the text columns; when given it must equal the keys of `data.text`. */
  text_features?: string[];
  /** CatBoost's text_processing JSON, validated. */
  text_processing?: TextProcessingSpec;
  /** Extra metrics computed per iteration (`Accuracy`, `F1`, `TotalF1`, loss names). */
  custom_metric: string[];
  /** Metric for early stopping and the best iteration (default: the loss function). */
  eval_metric?: string;
}

export const DEFAULT_PARAMS: TrainParams = {
  iterations: 1000,
  learning_rate: 0.03,
  depth: 6,
  l2_leaf_reg: 3,
  rsm: 1,
  random_seed: 0,
  random_strength: 1,
  border_count: 254,
  loss_function: "MultiClass",
  od_wait: 0,
  use_best_model: true,
  bootstrap_type: "Bayesian",
  bagging_temperature: 1,
  subsample: 0.8,
  nan_mode: "Min",
  thread_count: -1,
  one_hot_max_size: 2,
  max_ctr_complexity: 4,
  permutation_count: 4,
  model_size_reg: 0.5,
  custom_metric: [],
};

const LOSSES: readonly LossFunction[] = ["MultiClass", "MultiClassOneVsAll", "Logloss", "RMSE"];

/**
 * A parameter's check: the problem (what was expected) or undefined. Rules for structured values
 * return `{ message }` (used as is) and may normalize the value.
 */
type Rule = (value: unknown) => string | { message: string } | undefined;
const integer =
  (min: number, max: number): Rule =>
  (value) =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `an integer from ${min} to ${max}`;
const real =
  (min: number, max: number, openMin = false): Rule =>
  (value) =>
    typeof value === "number" &&
    Number.isFinite(value) &&
    (openMin ? value > min : value >= min) &&
    value <= max
      ? undefined
      : `a number ${openMin ? ">" : "≥"} ${min} and ≤ ${max}`;
const oneOf =
  (options: readonly string[]): Rule =>
  (value) =>
    options.includes(value as string) ? undefined : `one of ${options.join(", ")}`;
const names: Rule = (value) => {
  if (!Array.isArray(value)) return "a list of column names";
  const bad = value.find((name) => typeof name !== "string" || name === "");
  if (bad !== undefined)
    return `a list of column names (got ${JSON.stringify(bad)}; ct takes names, not indices)`;
  if (new Set(value).size !== value.length) return "a list of distinct column names";
  return undefined;
};

const RULES: Record<keyof TrainParams, Rule> = {
  iterations: integer(1, 1_000_000),
  learning_rate: real(0, 1e3, true),
  depth: integer(1, 16),
  l2_leaf_reg: real(0, 1e12),
  rsm: real(0, 1, true),
  random_seed: integer(0, 2 ** 32 - 1),
  random_strength: real(0, 1e6),
  border_count: integer(1, 65_535),
  loss_function: oneOf(LOSSES),
  od_wait: integer(0, 1_000_000),
  use_best_model: (value) => (typeof value === "boolean" ? undefined : "true or false"),
  bootstrap_type: oneOf(["Bayesian", "Bernoulli", "No"]),
  bagging_temperature: real(0, 1e6),
  subsample: real(0, 1, true),
  nan_mode: oneOf(["Min", "Max", "Forbidden"]),
  thread_count: (value) =>
    value === -1 || (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 4096)
      ? undefined
      : "-1 (all cores) or an integer from 1 to 4096",
  one_hot_max_size: integer(0, 255),
  max_ctr_complexity: integer(1, 16),
  permutation_count: integer(1, 64),
  model_size_reg: real(0, 1e6),
  cat_features: names,
  text_features: names,
  text_processing: () => undefined, // parsed in resolveParams
  custom_metric: (value) => {
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list)) return "a metric name or a list of metric names";
    for (const item of list) {
      try {
        parseMetric(item);
      } catch (error) {
        return { message: `invalid custom_metric ${JSON.stringify(item)}: ${(error as Error).message}` };
      }
    }
    return undefined;
  },
  eval_metric: (value) => {
    try {
      parseMetric(value);
    } catch (error) {
      return { message: `invalid eval_metric ${JSON.stringify(value)}: ${(error as Error).message}` };
    }
    return undefined;
  },
};

/** Aliases CatBoost accepts for the same parameter. */
const ALIASES: Record<string, keyof TrainParams> = {
  early_stopping_rounds: "od_wait",
  eta: "learning_rate",
  seed: "random_seed",
  random_state: "random_seed",
  reg_lambda: "l2_leaf_reg",
  max_depth: "depth",
  n_estimators: "iterations",
  num_boost_round: "iterations",
  custom_loss: "custom_metric",
  colsample_bylevel: "rsm",
};

/** Defaults merged with `given`; an unknown or out-of-range parameter throws an Error naming it. */
export function resolveParams(given: Readonly<Record<string, unknown>> = {}): TrainParams {
  const params: Record<string, unknown> = { ...DEFAULT_PARAMS };
  for (const [rawName, value] of Object.entries(given)) {
    const name = ALIASES[rawName] ?? rawName;
    const rule = RULES[name as keyof TrainParams];
    if (!rule)
      throw new Error(
        `unknown parameter ${JSON.stringify(rawName)}; known: ${Object.keys(RULES).join(", ")}`,
      );
    if (value === undefined) continue;
    const problem = rule(value);
    if (typeof problem === "object") throw new Error(problem.message);
    if (problem) throw new Error(`invalid ${rawName} ${JSON.stringify(value)}: expected ${problem}`);
    if (name === "text_processing") {
      try {
        params[name] = parseTextProcessing(value);
      } catch (error) {
        throw new Error(`invalid text_processing: ${(error as Error).message}`);
      }
    } else if (name === "custom_metric") {
      params[name] = typeof value === "string" ? [value] : [...(value as string[])];
    } else {
      params[name] = Array.isArray(value) ? [...value] : value;
    }
  }
  return params as unknown as TrainParams;
}
