import { lossValue } from "./loss.ts";
import type { LossFunction } from "./params.ts";

/** Metric names the engine computes, as CatBoost spells them. */
export const METRIC_NAMES = [
  "MultiClass",
  "MultiClassOneVsAll",
  "Logloss",
  "RMSE",
  "Accuracy",
  "F1",
  "TotalF1",
] as const;
type MetricName = (typeof METRIC_NAMES)[number];

const LOSS_METRICS: readonly string[] = ["MultiClass", "MultiClassOneVsAll", "Logloss", "RMSE"];
const AVERAGES = ["Weighted", "Macro", "Micro"] as const;
type Average = (typeof AVERAGES)[number];

/** Parameters each metric accepts (`Name:key=value;key=value`); `hints` works for all. */
const METRIC_PARAMS: Record<MetricName, readonly string[]> = {
  MultiClass: [],
  MultiClassOneVsAll: [],
  Logloss: [],
  RMSE: [],
  Accuracy: [],
  F1: ["class"],
  TotalF1: ["average"],
};

interface ParsedMetric {
  name: MetricName;
  params: Map<string, string>;
  skipTrain: boolean;
}

/**
 * Parses CatBoost's metric syntax, `Name` or `Name:key=value;key=value`; throws an Error saying
 * what is wrong (unknown metric, unknown or malformed parameter).
 */
export function parseMetric(description: unknown): ParsedMetric {
  if (typeof description !== "string" || description.trim() === "")
    throw new Error("expected a metric name such as Accuracy, F1, TotalF1 or a loss name");
  const colon = description.indexOf(":");
  const name = (colon < 0 ? description : description.slice(0, colon)).trim();
  if (!(METRIC_NAMES as readonly string[]).includes(name))
    throw new Error(`unknown metric ${JSON.stringify(name)}; supported: ${METRIC_NAMES.join(", ")}`);
  const metricName = name as MetricName;
  const params = new Map<string, string>();
  let skipTrain = false;
  if (colon >= 0) {
    for (const item of description.slice(colon + 1).split(";")) {
      if (item.trim() === "") continue;
      const equals = item.indexOf("=");
      if (equals < 0) throw new Error(`metric parameter ${JSON.stringify(item)} is not key=value`);
      const key = item.slice(0, equals).trim();
      const value = item.slice(equals + 1).trim();
      if (key === "hints") {
        // CatBoost's form: hints=skip_train~true
        const match = /^skip_train~(true|false)$/.exec(value);
        if (!match) throw new Error(`metric hint ${JSON.stringify(value)} is not skip_train~true|false`);
        skipTrain = match[1] === "true";
        continue;
      }
      if (!METRIC_PARAMS[metricName].includes(key))
        throw new Error(
          `metric ${metricName} has no parameter ${JSON.stringify(key)}${
            METRIC_PARAMS[metricName].length > 0 ? ` (it takes ${METRIC_PARAMS[metricName].join(", ")})` : ""
          }`,
        );
      if (key === "average" && !(AVERAGES as readonly string[]).includes(value))
        throw new Error(`TotalF1 average ${JSON.stringify(value)} is not one of ${AVERAGES.join(", ")}`);
      params.set(key, value);
    }
  }
  return { name: metricName, params, skipTrain };
}

/** A metric resolved for one model: its printed name and how to compute it. */
export interface Metric {
  /** The name CatBoost prints: `MultiClassOneVsAll`, `Accuracy`, `F1:class=0`, `TotalF1`, … */
  name: string;
  kind: "loss" | "Accuracy" | "F1" | "TotalF1";
  /** The loss computed, for kind "loss". */
  loss: LossFunction;
  /** Class index whose F1 this is, for kind "F1". */
  positiveClass: number;
  average: Average;
  higherIsBetter: boolean;
  /** Not computed on the learn set (`hints=skip_train~true`). */
  skipTrain: boolean;
}

/**
 * Resolves metric descriptions for a model with `loss` and `classes` (empty for RMSE): `F1`
 * expands into one `F1:class=<index>` per class for the multiclass losses (CatBoost names the
 * class by its index in the sorted class list), and is the positive class's F1 (`F1`) for
 * Logloss. Throws an Error naming `what` (the parameter) when a metric does not fit the loss.
 */
export function resolveMetrics(
  descriptions: readonly string[],
  loss: LossFunction,
  classes: readonly string[],
  what: string,
): Metric[] {
  const metrics: Metric[] = [];
  const seen = new Set<string>();
  const add = (metric: Metric) => {
    if (seen.has(metric.name)) return;
    seen.add(metric.name);
    metrics.push(metric);
  };
  const multiclass = loss === "MultiClass" || loss === "MultiClassOneVsAll";
  for (const description of descriptions) {
    let parsed: ParsedMetric;
    try {
      parsed = parseMetric(description);
    } catch (error) {
      throw new Error(`invalid ${what} ${JSON.stringify(description)}: ${(error as Error).message}`);
    }
    const base = { loss, positiveClass: -1, average: "Weighted" as Average, skipTrain: parsed.skipTrain };
    const fail = (reason: string): never => {
      throw new Error(`invalid ${what} ${JSON.stringify(description)}: ${reason}`);
    };
    if (LOSS_METRICS.includes(parsed.name)) {
      const metricLoss = parsed.name as LossFunction;
      if (metricLoss === "RMSE" && loss !== "RMSE") fail(`RMSE needs loss_function RMSE, not ${loss}`);
      if (metricLoss === "Logloss" && loss !== "Logloss")
        fail(`Logloss needs a binary Logloss model, not ${loss}`);
      if ((metricLoss === "MultiClass" || metricLoss === "MultiClassOneVsAll") && !multiclass)
        fail(`${metricLoss} needs a multiclass model (loss_function MultiClass or MultiClassOneVsAll)`);
      add({ ...base, name: metricLoss, kind: "loss", loss: metricLoss, higherIsBetter: false });
      continue;
    }
    if (loss === "RMSE") fail(`${parsed.name} needs a classification loss; loss_function is RMSE`);
    if (parsed.name === "Accuracy") {
      add({ ...base, name: "Accuracy", kind: "Accuracy", higherIsBetter: true });
    } else if (parsed.name === "TotalF1") {
      const average = (parsed.params.get("average") ?? "Weighted") as Average;
      const name = parsed.params.has("average") ? `TotalF1:average=${average}` : "TotalF1";
      add({ ...base, name, kind: "TotalF1", average, higherIsBetter: true });
    } else {
      const given = parsed.params.get("class");
      if (given !== undefined) {
        let index = classes.indexOf(given);
        if (index < 0 && /^\d+$/.test(given)) index = Number(given);
        if (index < 0 || index >= classes.length)
          fail(`class ${JSON.stringify(given)} is neither a class index nor a class (${classes.join(", ")})`);
        add({ ...base, name: `F1:class=${index}`, kind: "F1", positiveClass: index, higherIsBetter: true });
      } else if (!multiclass) {
        add({ ...base, name: "F1", kind: "F1", positiveClass: 1, higherIsBetter: true });
      } else {
        for (let index = 0; index < classes.length; index++)
          add({ ...base, name: `F1:class=${index}`, kind: "F1", positiveClass: index, higherIsBetter: true });
      }
    }
  }
  return metrics;
}

/** Predicted class of every row: argmax of the raw outputs (first on ties), or raw > 0 for one output. */
function predictedClasses(raw: Float64Array, rows: number, outputs: number): Uint32Array {
  const predicted = new Uint32Array(rows);
  for (let row = 0; row < rows; row++) {
    if (outputs === 1) {
      predicted[row] = raw[row]! > 0 ? 1 : 0;
      continue;
    }
    const base = row * outputs;
    let best = 0;
    for (let k = 1; k < outputs; k++) if (raw[base + k]! > raw[base + best]!) best = k;
    predicted[row] = best;
  }
  return predicted;
}

/**
 * Values of `metrics` for raw outputs and targets (class indices, or values for RMSE), in the
 * order of `metrics`. F1 per class: precision TP/(TP+FP) (1 when nothing is predicted as the
 * class), recall TP/(TP+FN) (1 when the class is absent), F1 = 2PR/(P+R) (0 when P+R = 0).
 * TotalF1 per class 2TP/(size + predicted), averaged by class size (Weighted, default), plainly
 * (Macro) or pooled (Micro). `known`: a loss value already computed for these outputs.
 */
export function evaluateMetrics(
  metrics: readonly Metric[],
  raw: Float64Array,
  target: Float64Array,
  outputs: number,
  known?: { loss: LossFunction; value: number },
): number[] {
  const rows = target.length;
  let confusion: Float64Array | undefined;
  let classes = 0;
  const matrix = (): Float64Array => {
    if (confusion) return confusion;
    classes = outputs === 1 ? 2 : outputs;
    confusion = new Float64Array(classes * classes);
    const predicted = predictedClasses(raw, rows, outputs);
    for (let row = 0; row < rows; row++) {
      const at = predicted[row]! * classes + target[row]!;
      confusion[at] = confusion[at]! + 1;
    }
    return confusion;
  };
  const stats = (cm: Float64Array, c: number) => {
    let predicted = 0;
    let size = 0;
    for (let other = 0; other < classes; other++) {
      predicted += cm[c * classes + other]!;
      size += cm[other * classes + c]!;
    }
    return { truePositive: cm[c * classes + c]!, predicted, size };
  };
  return metrics.map((metric) => {
    if (metric.kind === "loss")
      return metric.loss === known?.loss ? known.value : lossValue(metric.loss, raw, target, outputs);
    const cm = matrix();
    if (metric.kind === "Accuracy") {
      let correct = 0;
      for (let c = 0; c < classes; c++) correct += cm[c * classes + c]!;
      return correct / rows;
    }
    if (metric.kind === "F1") {
      const { truePositive, predicted, size } = stats(cm, metric.positiveClass);
      const precision = predicted > 0 ? truePositive / predicted : 1;
      const recall = size > 0 ? truePositive / size : 1;
      return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    }
    let numerator = 0;
    let denominator = 0;
    for (let c = 0; c < classes; c++) {
      const { truePositive, predicted, size } = stats(cm, c);
      const f1 = size + predicted > 0 ? (2 * truePositive) / (size + predicted) : 0;
      if (metric.average === "Weighted") {
        numerator += f1 * size;
        denominator += size;
      } else if (metric.average === "Micro") {
        numerator += 2 * truePositive;
        denominator += size + predicted;
      } else {
        numerator += f1;
        denominator += 1;
      }
    }
    return denominator > 0 ? numerator / denominator : 0;
  });
}

/**
 * Renames CatBoost's per-class metric names to class labels: `F1:class=0` → `F1:class=Good`
 * (for reports that want names; CatBoost itself prints the index).
 */
export function metricNameWithClass(name: string, classes: readonly string[]): string {
  const match = /^(.*:class=)(\d+)$/.exec(name);
  if (!match) return name;
  const label = classes[Number(match[2])];
  return label === undefined ? name : `${match[1]}${label}`;
}
