import { CatboostParamError } from "./errors.ts";

/** How a parameter's value becomes command-line tokens. */
export type ParamKind =
  /** An integer (a numeric string is accepted). */
  | "int"
  /** A finite number (a numeric string is accepted). */
  | "float"
  /** A non-empty string passed as is (CatBoost validates enum values itself). */
  | "string"
  /** A boolean rendered `true` / `false` (the strings "true"/"false" are accepted). */
  | "bool"
  /** A boolean: true → the flag alone, false → nothing. */
  | "flag"
  /** A string or a list of strings/numbers, joined with `separator`. */
  | "list"
  /** A list of finite numbers (or numeric strings), joined with `,`. */
  | "numberList"
  /** A JSON object, passed as one JSON token. */
  | "json"
  /** `verbose`: a non-negative integer period, or a boolean (true = 1, false = 0). */
  | "verbose"
  /** Given by the column description file; accepted and not passed. */
  | "implied";

/** One parameter the wrapper passes to `catboost fit`. */
export interface FitParamSpec {
  /** CatBoost's (Python) parameter name, as model configs and grids spell it. */
  readonly name: string;
  /** The `catboost fit` flag. Empty for `implied` and `early_stopping_rounds`. */
  readonly flag: string;
  readonly kind: ParamKind;
  /** Separator of `list` values. */
  readonly separator?: string;
  /** Python synonyms accepted for the same parameter. */
  readonly aliases?: readonly string[];
  /** Placed after the output flags (`--train-dir`, `-m`), like `--verbose` in the documented command. */
  readonly tail?: boolean;
}

/**
 * Every parameter buildFitArgs accepts, in the order the flags appear on the command line.
 * Flags read in `catboost/private/libs/app_helpers/bind_options.cpp`.
 */
export const FIT_PARAMS: readonly FitParamSpec[] = [
  { name: "loss_function", flag: "--loss-function", kind: "string", aliases: ["loss", "objective"] },
  { name: "eval_metric", flag: "--eval-metric", kind: "string" },
  { name: "custom_metric", flag: "--custom-metric", kind: "list", separator: ",", aliases: ["custom_loss"] },
  {
    name: "iterations",
    flag: "--iterations",
    kind: "int",
    aliases: ["n_estimators", "num_boost_round", "num_trees"],
  },
  { name: "learning_rate", flag: "--learning-rate", kind: "float", aliases: ["eta"] },
  { name: "depth", flag: "--depth", kind: "int", aliases: ["max_depth"] },
  { name: "rsm", flag: "--rsm", kind: "float", aliases: ["colsample_bylevel"] },
  { name: "l2_leaf_reg", flag: "--l2-leaf-reg", kind: "float", aliases: ["reg_lambda"] },
  { name: "random_seed", flag: "--random-seed", kind: "int", aliases: ["random_state"] },
  { name: "thread_count", flag: "--thread-count", kind: "int" },
  { name: "od_type", flag: "--od-type", kind: "string" },
  { name: "od_wait", flag: "--od-wait", kind: "int" },
  { name: "early_stopping_rounds", flag: "", kind: "int" },
  { name: "od_pval", flag: "--od-pval", kind: "float" },
  { name: "use_best_model", flag: "--use-best-model", kind: "bool" },
  { name: "best_model_min_trees", flag: "--best-model-min-trees", kind: "int" },
  { name: "text_processing", flag: "--text-processing", kind: "json" },
  { name: "border_count", flag: "--border-count", kind: "int", aliases: ["max_bin"] },
  { name: "feature_border_type", flag: "--feature-border-type", kind: "string" },
  {
    name: "per_float_feature_quantization",
    flag: "--per-float-feature-quantization",
    kind: "list",
    separator: ";",
  },
  { name: "nan_mode", flag: "--nan-mode", kind: "string" },
  { name: "one_hot_max_size", flag: "--one-hot-max-size", kind: "int" },
  { name: "max_ctr_complexity", flag: "--max-ctr-complexity", kind: "int" },
  { name: "simple_ctr", flag: "--simple-ctr", kind: "list", separator: "," },
  { name: "combinations_ctr", flag: "--combinations-ctr", kind: "list", separator: "," },
  { name: "per_feature_ctr", flag: "--per-feature-ctr", kind: "list", separator: ";" },
  { name: "ctr_target_border_count", flag: "--ctr-target-border-count", kind: "int" },
  { name: "counter_calc_method", flag: "--counter-calc-method", kind: "string" },
  { name: "ctr_leaf_count_limit", flag: "--ctr-leaf-count-limit", kind: "int" },
  { name: "store_all_simple_ctr", flag: "--store-all-simple-ctr", kind: "flag" },
  { name: "bootstrap_type", flag: "--bootstrap-type", kind: "string" },
  { name: "bagging_temperature", flag: "--bagging-temperature", kind: "float" },
  { name: "subsample", flag: "--subsample", kind: "float" },
  { name: "sampling_frequency", flag: "--sampling-frequency", kind: "string" },
  { name: "sampling_unit", flag: "--sampling-unit", kind: "string" },
  { name: "mvs_reg", flag: "--mvs-reg", kind: "float" },
  { name: "random_strength", flag: "--random-strength", kind: "float" },
  { name: "boosting_type", flag: "--boosting-type", kind: "string" },
  { name: "grow_policy", flag: "--grow-policy", kind: "string" },
  { name: "max_leaves", flag: "--max-leaves", kind: "int", aliases: ["num_leaves"] },
  { name: "min_data_in_leaf", flag: "--min-data-in-leaf", kind: "float", aliases: ["min_child_samples"] },
  { name: "score_function", flag: "--score-function", kind: "string" },
  { name: "leaf_estimation_method", flag: "--leaf-estimation-method", kind: "string" },
  { name: "leaf_estimation_iterations", flag: "--leaf-estimation-iterations", kind: "int" },
  { name: "leaf_estimation_backtracking", flag: "--leaf-estimation-backtracking", kind: "string" },
  { name: "model_size_reg", flag: "--model-size-reg", kind: "float" },
  { name: "model_shrink_rate", flag: "--model-shrink-rate", kind: "float" },
  { name: "model_shrink_mode", flag: "--model-shrink-mode", kind: "string" },
  { name: "boost_from_average", flag: "--boost-from-average", kind: "bool" },
  { name: "fold_permutation_block", flag: "--fold-permutation-block", kind: "int" },
  { name: "fold_len_multiplier", flag: "--fold-len-multiplier", kind: "float" },
  { name: "has_time", flag: "--has-time", kind: "flag" },
  { name: "allow_const_label", flag: "--allow-const-label", kind: "flag" },
  { name: "class_names", flag: "--class-names", kind: "list", separator: "," },
  { name: "class_weights", flag: "--class-weights", kind: "numberList" },
  { name: "auto_class_weights", flag: "--auto-class-weights", kind: "string" },
  { name: "ignored_features", flag: "--ignore-features", kind: "list", separator: ":" },
  { name: "monotone_constraints", flag: "--monotone-constraints", kind: "string" },
  { name: "feature_weights", flag: "--feature-weights", kind: "string" },
  { name: "penalties_coefficient", flag: "--penalties-coefficient", kind: "float" },
  { name: "first_feature_use_penalties", flag: "--first-feature-use-penalties", kind: "string" },
  { name: "langevin", flag: "--langevin", kind: "bool" },
  { name: "diffusion_temperature", flag: "--diffusion-temperature", kind: "float" },
  { name: "posterior_sampling", flag: "--posterior-sampling", kind: "bool" },
  { name: "task_type", flag: "--task-type", kind: "string" },
  { name: "devices", flag: "--devices", kind: "string" },
  { name: "used_ram_limit", flag: "--used-ram-limit", kind: "string" },
  { name: "name", flag: "--name", kind: "string" },
  { name: "cat_features", flag: "", kind: "implied" },
  { name: "text_features", flag: "", kind: "implied" },
  { name: "metric_period", flag: "--metric-period", kind: "int", tail: true },
  { name: "verbose", flag: "--verbose", kind: "verbose", aliases: ["verbose_eval"], tail: true },
  { name: "logging_level", flag: "--logging-level", kind: "string", tail: true },
];

const SPEC_BY_NAME = new Map<string, FitParamSpec>();
for (const spec of FIT_PARAMS) {
  SPEC_BY_NAME.set(spec.name, spec);
  for (const alias of spec.aliases ?? []) SPEC_BY_NAME.set(alias, spec);
}

/** The files of one `catboost fit` run. */
export interface FitPaths {
  readonly learn: string;
  /** The eval set (`--test-set`); CatBoost early-stops and picks the best model on it. */
  readonly test?: string;
  readonly cd: string;
  readonly trainDir: string;
  /** `-m`: relative paths are inside trainDir, absolute ones are used as is. */
  readonly modelFile: string;
}

/** `catboost fit` model formats besides the one `-m`'s extension implies. */
export type ModelFormat =
  | "CatboostBinary"
  | "AppleCoreML"
  | "Cpp"
  | "Python"
  | "Json"
  | "Onnx"
  | "Pmml"
  | "CpuSnapshot";

export interface FitOutputOptions {
  /** The pools have a header line (writePool's default). Default true. */
  readonly hasHeader?: boolean;
  /** Column delimiter of the pools. Default tab. */
  readonly delimiter?: string;
  /** Extra `--model-format`s (e.g. `["Json"]`); see modelOutputFiles for the file names. */
  readonly modelFormats?: readonly ModelFormat[];
  /** `--fstr-file`: feature importances (`<score>\t<feature name>` lines), in trainDir when relative. */
  readonly fstrFile?: string;
  /** `--fstr-type` (default FeatureImportance = PredictionValuesChange). */
  readonly fstrType?: string;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

function unknownParam(name: string): CatboostParamError {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of SPEC_BY_NAME.keys()) {
    const distance = editDistance(name, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return new CatboostParamError(
    name,
    `unknown catboost parameter ${JSON.stringify(name)}${best ? ` (did you mean ${JSON.stringify(best)}?)` : ""}`,
  );
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function numberOf(name: string, value: unknown, what: string): number {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(number))
    throw new CatboostParamError(name, `catboost parameter ${name}: expected ${what}, got ${show(value)}`);
  return number;
}

function boolOf(name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new CatboostParamError(
    name,
    `catboost parameter ${name}: expected true or false, got ${show(value)}`,
  );
}

function stringOf(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0)
    throw new CatboostParamError(
      name,
      `catboost parameter ${name}: expected a non-empty string, got ${show(value)}`,
    );
  return value;
}

function listOf(name: string, value: unknown, separator: string): string {
  const items = typeof value === "string" || typeof value === "number" ? [value] : value;
  if (!Array.isArray(items) || items.length === 0)
    throw new CatboostParamError(
      name,
      `catboost parameter ${name}: expected a string or a non-empty list, got ${show(value)}`,
    );
  return items
    .map((item: unknown) => {
      if (typeof item === "number" && Number.isFinite(item)) return String(item);
      if (typeof item !== "string" || item.length === 0 || (items.length > 1 && item.includes(separator)))
        throw new CatboostParamError(
          name,
          `catboost parameter ${name}: list items must be non-empty strings without ${JSON.stringify(separator)}, got ${show(item)}`,
        );
      return item;
    })
    .join(separator);
}

/** The value tokens of one parameter; [] = the flag alone, null = nothing to pass. */
function renderValue(spec: FitParamSpec, name: string, value: unknown): string[] | null {
  switch (spec.kind) {
    case "int": {
      const number = numberOf(name, value, "an integer");
      if (!Number.isInteger(number))
        throw new CatboostParamError(
          name,
          `catboost parameter ${name}: expected an integer, got ${show(value)}`,
        );
      return [String(number)];
    }
    case "float":
      return [String(numberOf(name, value, "a number"))];
    case "string":
      return [stringOf(name, value)];
    case "bool":
      return [String(boolOf(name, value))];
    case "flag":
      return boolOf(name, value) ? [] : null;
    case "list":
      return [listOf(name, value, spec.separator ?? ",")];
    case "numberList": {
      const items = Array.isArray(value) ? value : [value];
      if (items.length === 0)
        throw new CatboostParamError(name, `catboost parameter ${name}: expected a list of numbers`);
      return [items.map((item: unknown) => String(numberOf(name, item, "a list of numbers"))).join(",")];
    }
    case "json": {
      if (typeof value === "string") {
        try {
          const parsed: unknown = JSON.parse(value);
          if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return [value];
        } catch {
          // reported below
        }
        throw new CatboostParamError(
          name,
          `catboost parameter ${name}: expected a JSON object, got ${show(value)}`,
        );
      }
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new CatboostParamError(
          name,
          `catboost parameter ${name}: expected a JSON object, got ${show(value)}`,
        );
      return [JSON.stringify(value)];
    }
    case "verbose": {
      if (typeof value === "boolean") return [value ? "1" : "0"];
      const number = numberOf(name, value, "a non-negative integer or a boolean");
      if (!Number.isInteger(number) || number < 0)
        throw new CatboostParamError(
          name,
          `catboost parameter ${name}: expected a non-negative integer or a boolean, got ${show(value)}`,
        );
      return [String(number)];
    }
    case "implied":
      return null;
  }
}

/**
 * The argv after `catboost` for training: `fit`, the data files, one flag per parameter (in
 * FIT_PARAMS order), `--train-dir`, `-m`, optional output flags, then `--metric-period` /
 * `--verbose` / `--logging-level`. Parameters use CatBoost's Python names (and its synonyms).
 *
 * Python-package semantics kept: `early_stopping_rounds: N` ⇒ `--od-type Iter --od-wait N`
 * (od_type only if not given); with an eval set and no `use_best_model`, `--use-best-model true`
 * (the Python default; the CLI's own default is false). `cat_features` / `text_features` are
 * accepted and ignored: the cd file says which columns are categorical or text.
 * `text_processing` (an object or JSON text) is passed as one JSON token — `--text-processing`
 * takes the JSON text itself, not a file (bind_options.cpp reads it with ReadJsonTree).
 * An unknown parameter, a wrong type, or a parameter given twice (under two synonyms) throws a
 * CatboostParamError naming it. Undefined values are skipped.
 */
export function buildFitArgs(
  params: Readonly<Record<string, unknown>>,
  paths: FitPaths,
  output: FitOutputOptions = {},
): string[] {
  const given = new Map<FitParamSpec, { name: string; value: unknown }>();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const spec = SPEC_BY_NAME.get(name);
    if (!spec) throw unknownParam(name);
    const previous = given.get(spec);
    if (previous)
      throw new CatboostParamError(
        name,
        `catboost parameter ${spec.name} is given twice (as ${previous.name} and ${name})`,
      );
    if (value === null) throw new CatboostParamError(name, `catboost parameter ${name} is null`);
    given.set(spec, { name, value });
  }

  const rendered = new Map<string, string[]>();
  for (const [spec, { name, value }] of given) {
    const tokens = renderValue(spec, name, value);
    if (tokens) rendered.set(spec.name, tokens);
  }

  const early = rendered.get("early_stopping_rounds");
  if (early) {
    const odWait = rendered.get("od_wait");
    if (odWait && odWait[0] !== early[0])
      throw new CatboostParamError(
        "early_stopping_rounds",
        `catboost parameters early_stopping_rounds (${early[0]}) and od_wait (${odWait[0]}) disagree; give one`,
      );
    rendered.set("od_wait", early);
    if (!rendered.has("od_type")) rendered.set("od_type", ["Iter"]);
    rendered.delete("early_stopping_rounds");
  }
  if (paths.test !== undefined && !rendered.has("use_best_model")) rendered.set("use_best_model", ["true"]);

  const tokensOf = (spec: FitParamSpec): string[] => {
    const value = rendered.get(spec.name);
    if (!value || spec.flag === "") return [];
    return [spec.flag, ...value];
  };

  const args = ["fit", "--learn-set", paths.learn];
  if (paths.test !== undefined) args.push("--test-set", paths.test);
  args.push("--column-description", paths.cd);
  if (output.hasHeader ?? true) args.push("--has-header");
  args.push("--delimiter", output.delimiter ?? "\t");
  for (const spec of FIT_PARAMS) if (!spec.tail) args.push(...tokensOf(spec));
  args.push("--train-dir", paths.trainDir, "-m", paths.modelFile);
  if (output.modelFormats && output.modelFormats.length > 0)
    args.push("--model-format", output.modelFormats.join(","));
  if (output.fstrFile !== undefined) args.push("--fstr-file", output.fstrFile);
  if (output.fstrType !== undefined) args.push("--fstr-type", output.fstrType);
  for (const spec of FIT_PARAMS) if (spec.tail) args.push(...tokensOf(spec));
  return args;
}

const EXTENSION: Readonly<Record<ModelFormat, string>> = {
  CatboostBinary: "bin",
  AppleCoreML: "coreml",
  Cpp: "cpp",
  Python: "py",
  Json: "json",
  Onnx: "onnx",
  Pmml: "pmml",
  CpuSnapshot: "cbsnapshot",
};

/** CatBoost's DefineModelFormat: the format a `-m` path's extension implies (CatboostBinary otherwise). */
export function modelFormatOfPath(modelPath: string): ModelFormat {
  const tokens = modelPath.split(".").filter((token) => token.length > 0);
  if (tokens.length > 1) {
    const extension = tokens[tokens.length - 1];
    for (const [format, ext] of Object.entries(EXTENSION))
      if (ext === extension) return format as ModelFormat;
  }
  return "CatboostBinary";
}

/**
 * The file each model format is written to for `-m modelFile --model-format <extra>`
 * (output_file_options.cpp): the formats are the one `-m` implies plus the extra ones; with more
 * than one, each file gets its format's extension appended unless the name already ends with it.
 * E.g. `-m model.bin --model-format Json` → model.bin and model.bin.json.
 */
export function modelOutputFiles(
  modelFile: string,
  extraFormats: readonly ModelFormat[] = [],
): Map<ModelFormat, string> {
  const formats = [modelFormatOfPath(modelFile), ...extraFormats];
  const addExtension = formats.length > 1;
  const files = new Map<ModelFormat, string>();
  for (const format of formats) {
    const extension = `.${EXTENSION[format]}`;
    files.set(
      format,
      addExtension && !modelFile.endsWith(extension) ? `${modelFile}${extension}` : modelFile,
    );
  }
  return files;
}
