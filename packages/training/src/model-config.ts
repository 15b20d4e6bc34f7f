import { readFile } from "node:fs/promises";
import { UsageError } from "@ct/step-kit";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** A grid or fixed parameter value, as CatBoost's parameters take them. */
export type ParamValue = string | number | boolean | readonly string[] | Readonly<Record<string, unknown>>;

/**
 * What a model is trained from and how: the columns of the preprocess outputs, the grid searched
 * and the fixed parameters (CatBoost's names). The defaults are the reference credit-score model;
 * another model needs only another config file.
 */
export interface ModelConfig {
  /** The label column. */
  readonly target: string;
  /** Columns that are not features (keys, dates). */
  readonly drop: readonly string[];
  readonly categorical: readonly string[];
  readonly text: readonly string[];
  /** Every combination is one configuration, the last key varying fastest. */
  readonly grid: Readonly<Record<string, readonly ParamValue[]>>;
  /** Parameters shared by every configuration. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** The reference credit-score classifier: 27 configurations of a MultiClassOneVsAll CatBoost. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  target: "credit_score",
  drop: ["base_dt", "id", "customer_id", "date"],
  categorical: ["occupation", "credit_mix", "payment_of_min_amount"],
  text: ["type_of_loan", "payment_behaviour"],
  grid: { depth: [7, 8, 9], rsm: [0.8, 0.9, 1.0], l2_leaf_reg: [3, 5, 7] },
  params: {
    loss_function: "MultiClassOneVsAll",
    learning_rate: 0.3,
    iterations: 2000,
    early_stopping_rounds: 50,
    random_seed: 42,
    custom_metric: ["F1", "Accuracy"],
    text_processing: {
      tokenizers: [
        { tokenizer_id: "Space", delimiter: " " },
        { tokenizer_id: "Comma", delimiter: "," },
        { tokenizer_id: "Underscore", delimiter: "_" },
      ],
      // As the reference wrote it: CatBoost ignores the misspelled `occurence_lower_bound` (and
      // "BiGram" without gram_order is a unigram dictionary), so the effective bound is 5 on
      // ≥ 1000 learn rows. Kept for parity; see docs/training.md.
      dictionaries: [
        { dictionary_id: "BiGram", occurence_lower_bound: "1" },
        { dictionary_id: "Word", occurence_lower_bound: "1" },
      ],
    },
  },
};

const paramValue: z.ZodType<ParamValue> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.record(z.string(), z.unknown()),
]);

const configSchema = z
  .object({
    target: z.string().min(1).optional(),
    drop: z.array(z.string().min(1)).optional(),
    categorical: z.array(z.string().min(1)).optional(),
    text: z.array(z.string().min(1)).optional(),
    grid: z.record(z.string().min(1), z.array(paramValue).min(1)).optional(),
    params: z.record(z.string().min(1), paramValue).optional(),
  })
  .strict();

/**
 * The default config with the given overrides (a parsed YAML/JSON document). Top-level keys
 * replace the default's; an unknown key or a wrong type is a UsageError naming it, all at once.
 */
export function parseModelConfig(document: unknown, source = "model config"): ModelConfig {
  const parsed = configSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`,
    );
    throw new UsageError(`invalid ${source}: ${problems.join("; ")}`);
  }
  const config: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...parsed.data };
  checkColumnRoles(config, source);
  return config;
}

/** Reads a model config file (YAML or JSON) and merges it over the defaults. */
export async function loadModelConfig(path: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read model config ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `model config ${JSON.stringify(path)} is not valid YAML/JSON: ${(error as Error).message}`,
    );
  }
  return parseModelConfig(document, `model config ${JSON.stringify(path)}`);
}

function checkColumnRoles(config: ModelConfig, source: string): void {
  const roles = new Map<string, string>();
  const assign = (column: string, role: string): void => {
    const previous = roles.get(column);
    if (previous)
      throw new UsageError(
        `invalid ${source}: column ${JSON.stringify(column)} is both ${previous} and ${role}`,
      );
    roles.set(column, role);
  };
  assign(config.target, "target");
  for (const column of config.drop) assign(column, "drop");
  for (const column of config.categorical) assign(column, "categorical");
  for (const column of config.text) assign(column, "text");
  for (const key of Object.keys(config.grid)) {
    if (key in config.params)
      throw new UsageError(`invalid ${source}: parameter ${JSON.stringify(key)} is both in grid and params`);
  }
}

/** One configuration of the grid: its index (0-based) and the grid values it uses. */
export interface GridConfiguration {
  readonly index: number;
  readonly values: Readonly<Record<string, ParamValue>>;
}

/** The cartesian product of the grid, in key order with the last key varying fastest. */
export function expandGrid(grid: ModelConfig["grid"]): GridConfiguration[] {
  let combos: Record<string, ParamValue>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos.map((values, index) => ({ index, values }));
}
