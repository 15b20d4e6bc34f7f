/** Loss functions the engine trains, with CatBoost's names. */
export type LossFunction = "MultiClass" | "MultiClassOneVsAll" | "Logloss" | "RMSE";

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
  /** Stop after this many iterations without improvement of the eval loss (0 = off). */
  od_wait: number;
  use_best_model: boolean;
  /** Sample weights used for split scoring only (CatBoost: Bayesian for multiclass on CPU). */
  bootstrap_type: "Bayesian" | "Bernoulli" | "No";
  /** Bayesian bootstrap weight = (−log U)^bagging_temperature. */
  bagging_temperature: number;
  /** Bernoulli bootstrap: share of rows kept per tree. */
  subsample: number;
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
};

const LOSSES: readonly LossFunction[] = ["MultiClass", "MultiClassOneVsAll", "Logloss", "RMSE"];

type Rule = (value: unknown) => string | undefined;
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

const RULES: Record<keyof TrainParams, Rule> = {
  iterations: integer(1, 1_000_000),
  learning_rate: real(0, 1e3, true),
  depth: integer(1, 16),
  l2_leaf_reg: real(0, 1e12),
  rsm: real(0, 1, true),
  random_seed: integer(0, 2 ** 32 - 1),
  random_strength: real(0, 1e6),
  border_count: integer(1, 65_535),
  loss_function: (value) =>
    LOSSES.includes(value as LossFunction) ? undefined : `one of ${LOSSES.join(", ")}`,
  od_wait: integer(0, 1_000_000),
  use_best_model: (value) => (typeof value === "boolean" ? undefined : "true or false"),
  bootstrap_type: (value) =>
    ["Bayesian", "Bernoulli", "No"].includes(value as string) ? undefined : "one of Bayesian, Bernoulli, No",
  bagging_temperature: real(0, 1e6),
  subsample: real(0, 1, true),
};

/** Aliases CatBoost accepts for the same parameter. */
const ALIASES: Record<string, keyof TrainParams> = {
  early_stopping_rounds: "od_wait",
  eta: "learning_rate",
  seed: "random_seed",
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
    const problem = rule(value);
    if (problem) throw new Error(`invalid ${rawName} ${JSON.stringify(value)}: expected ${problem}`);
    params[name] = value;
  }
  return params as unknown as TrainParams;
}
