import { access, mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  bestIterationOf,
  type ErrorLog,
  type FitSummary,
  parseErrorFile,
  parseFeatureImportance,
  readSummaryLine,
} from "./error-log.ts";
import { CatboostOutputError, PoolFormatError } from "./errors.ts";
import { buildFitArgs, type ModelFormat, modelOutputFiles } from "./params.ts";
import { type PoolColumns, type PoolData, writePool } from "./pool.ts";
import { type RunCatboostOptions, runFit } from "./run.ts";

/** A labelled pool. */
export interface LabelledPoolData extends PoolData {
  readonly labels: readonly string[];
}

export interface TrainWithCatboostInput extends Omit<RunCatboostOptions, "cwd"> {
  readonly learn: LabelledPoolData;
  /** The eval set: early stopping and the best model are decided on it (`--test-set`). */
  readonly eval: LabelledPoolData;
  /** CatBoost parameters by their Python names (see buildFitArgs). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Scratch folder: learn.tsv/.cd, eval.tsv/.cd and the train dir `train/` are written there. */
  readonly workDir: string;
  /**
   * Also save the model as JSON (`--model-format Json`, §8). Default: when there are no text
   * features — CatBoost cannot save a model with text features in any format but cbm
   * (model_exporter.cpp), and asking would fail the whole fit.
   */
  readonly exportJson?: boolean;
  /** Write feature importances (`--fstr-file`, PredictionValuesChange). Default true. */
  readonly featureImportance?: boolean;
  /** Header name of the label column. Default `label`. */
  readonly labelName?: string;
}

export interface TrainWithCatboostResult {
  /** The trained model, CatboostBinary (`<workDir>/train/model.bin`). */
  readonly modelCbm: string;
  /** The model's JSON (parsed), when exported. */
  readonly modelJson: unknown | undefined;
  /** 0-based iteration of the kept model (use_best_model keeps bestIteration + 1 trees). */
  readonly bestIteration: number;
  /** Iterations trained (rows of learn_error.tsv; early stopping may end before `iterations`). */
  readonly iterationsTrained: number;
  /** Curves from learn_error.tsv / test_error.tsv, metric names as CatBoost writes them (`F1:class=0`). */
  readonly learnMetrics: Record<string, number[]>;
  readonly evalMetrics: Record<string, number[]>;
  /** The metric that decided the best iteration (eval_metric, else loss_function). */
  readonly evalMetric: string;
  /** Class labels in CatBoost's class order: the order of `F1:class=<i>` indices and of calc's probabilities. */
  readonly classes: string[];
  /** Feature → PredictionValuesChange importance, when requested. */
  readonly featureImportance: Record<string, number> | undefined;
  readonly trainDir: string;
  /** The argv given to the binary (after its name). */
  readonly args: string[];
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * CatBoost's class order for string labels (§3): `class_names` when given, else the distinct
 * labels sorted — numerically if every label is a number, else byte-wise (std::sort on strings).
 */
export function classOrder(labels: readonly string[], classNames?: readonly string[]): string[] {
  if (classNames && classNames.length > 0) return [...classNames];
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((label) => label.trim() !== "" && Number.isFinite(Number(label)));
  return numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort(compareBytes);
}

function sameColumns(a: PoolColumns, b: PoolColumns): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.numeric, b.numeric) && same(a.categorical, b.categorical) && same(a.text, b.text);
}

async function readRequired(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new CatboostOutputError(`catboost fit wrote no ${what} (${path})`, { cause: error });
  }
}

function parseLog(text: string, path: string): ErrorLog {
  try {
    return parseErrorFile(text);
  } catch (error) {
    throw new CatboostOutputError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

function stringParam(params: Readonly<Record<string, unknown>>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

/**
 * Trains one configuration with the catboost binary: writes the learn and eval pools (TSV with a
 * header + cd, §7.2–7.3), runs `catboost fit` (buildFitArgs), and reads back the train dir
 * (§7.4): the error logs, the model (`model.bin`, plus `model.bin.json` when exported), the
 * feature importances. The best iteration is the one catboost prints (`bestIteration = b`), or —
 * if it printed none — the first strict best of the eval metric in test_error.tsv.
 */
export async function trainWithCatboost(
  binary: string,
  input: TrainWithCatboostInput,
): Promise<TrainWithCatboostResult> {
  const workDir = resolve(input.workDir);
  const trainDir = join(workDir, "train");
  await mkdir(trainDir, { recursive: true });
  const labelName = input.labelName ?? "label";
  const learn = await writePool(workDir, "learn", input.learn, { labelName });
  const evalPool = await writePool(workDir, "eval", input.eval, { labelName });
  if (!sameColumns(learn.columns, evalPool.columns))
    throw new PoolFormatError(
      "the eval set's feature columns differ from the learn set's (names, roles or order)",
    );

  const exportJson = input.exportJson ?? learn.columns.text.length === 0;
  const modelFormats: ModelFormat[] = exportJson ? ["Json"] : [];
  const modelFile = join(trainDir, "model.bin");
  const fstrFile = join(trainDir, "feature_importance.tsv");
  const wantFstr = input.featureImportance ?? true;
  const args = buildFitArgs(
    input.params,
    { learn: learn.poolPath, test: evalPool.poolPath, cd: learn.cdPath, trainDir, modelFile },
    { hasHeader: learn.hasHeader, modelFormats, ...(wantFstr ? { fstrFile } : {}) },
  );

  const summary: FitSummary = {};
  await runFit(binary, args, {
    cwd: trainDir,
    onLine: (line, stream) => {
      if (stream === "stdout") readSummaryLine(line, summary);
      input.onLine?.(line, stream);
    },
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.killGraceMs === undefined ? {} : { killGraceMs: input.killGraceMs }),
  });

  const learnPath = join(trainDir, "learn_error.tsv");
  const testPath = join(trainDir, "test_error.tsv");
  const learnLog = parseLog(await readRequired(learnPath, "learn_error.tsv"), learnPath);
  const testLog = parseLog(await readRequired(testPath, "test_error.tsv"), testPath);

  const files = modelOutputFiles(modelFile, modelFormats);
  const modelCbm = files.get("CatboostBinary") as string;
  try {
    await access(modelCbm);
  } catch (error) {
    throw new CatboostOutputError(`catboost fit wrote no model file ${modelCbm}`, { cause: error });
  }
  let modelJson: unknown;
  const jsonFile = files.get("Json");
  if (jsonFile !== undefined) {
    const text = await readRequired(jsonFile, "JSON model");
    try {
      modelJson = JSON.parse(text);
    } catch (error) {
      throw new CatboostOutputError(`${jsonFile} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  const requested = stringParam(input.params, "eval_metric", "loss_function", "loss", "objective");
  const best = bestIterationOf(testLog, requested);
  const bestIteration = summary.bestIteration ?? best.iteration;

  let featureImportance: Record<string, number> | undefined;
  if (wantFstr)
    featureImportance = parseFeatureImportance(await readRequired(fstrFile, "feature importance file"));

  const classNames = input.params.class_names;
  return {
    modelCbm,
    modelJson,
    bestIteration,
    iterationsTrained: learnLog.iterations.length === 0 ? 0 : (learnLog.iterations.at(-1) as number) + 1,
    learnMetrics: learnLog.metrics,
    evalMetrics: testLog.metrics,
    evalMetric: best.metric,
    classes: classOrder(
      input.learn.labels,
      Array.isArray(classNames)
        ? classNames.map(String)
        : typeof classNames === "string"
          ? classNames.split(",")
          : undefined,
    ),
    featureImportance,
    trainDir,
    args,
  };
}
