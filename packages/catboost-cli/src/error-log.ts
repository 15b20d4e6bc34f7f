import { CatboostOutputError } from "./errors.ts";

/** A learn_error.tsv / test_error.tsv: the logged iterations and one value per iteration per metric. */
export interface ErrorLog {
  /** 0-based iteration of each row (every iteration, or every metric_period-th plus the last). */
  iterations: number[];
  /** Metric name exactly as CatBoost writes it (`MultiClassOneVsAll`, `F1:class=0`, `Accuracy`) → values. */
  metrics: Record<string, number[]>;
}

/**
 * A number as CatBoost's streams print doubles: decimal or exponent form, `nan`/`-nan`, `inf`/`-inf`
 * (any case). Returns undefined for anything else.
 */
export function parseCatboostNumber(text: string): number | undefined {
  const token = text.trim();
  if (token === "") return undefined;
  const lower = token.toLowerCase();
  if (lower === "nan" || lower === "-nan" || lower === "+nan") return Number.NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity") return Number.POSITIVE_INFINITY;
  if (lower === "-inf" || lower === "-infinity") return Number.NEGATIVE_INFINITY;
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}

function lines(text: string): string[] {
  const all = text.split(/\r?\n/);
  while (all.length > 0 && all[all.length - 1] === "") all.pop();
  return all;
}

/**
 * Parses learn_error.tsv / test_error.tsv (TErrorFileLoggingBackend, §7.4): a header
 * `iter\t<metric 1>\t<metric 2>…` then one row `<iter>\t<value>…` per logged iteration. A metric
 * named twice keeps its first column. Throws a CatboostOutputError on anything else.
 */
export function parseErrorFile(text: string): ErrorLog {
  const [header, ...rows] = lines(text);
  const names = header?.split("\t");
  if (!names || names[0] !== "iter" || names.length < 2)
    throw new CatboostOutputError(
      `not a CatBoost error log: the header must be "iter\\t<metric>…", got ${JSON.stringify(header ?? "")}`,
    );
  const metricNames = names.slice(1);
  const metrics: Record<string, number[]> = {};
  const keep: boolean[] = metricNames.map((name) => {
    if (name === "" || Object.hasOwn(metrics, name)) return false;
    metrics[name] = [];
    return true;
  });
  const iterations: number[] = [];
  rows.forEach((row, index) => {
    const cells = row.split("\t");
    const lineNumber = index + 2;
    if (cells.length !== names.length)
      throw new CatboostOutputError(
        `CatBoost error log line ${lineNumber} has ${cells.length} columns, expected ${names.length}`,
      );
    const iteration = Number(cells[0]);
    if (!Number.isInteger(iteration) || iteration < 0)
      throw new CatboostOutputError(
        `CatBoost error log line ${lineNumber}: bad iteration ${JSON.stringify(cells[0])}`,
      );
    iterations.push(iteration);
    metricNames.forEach((name, k) => {
      if (!keep[k]) return;
      const value = parseCatboostNumber(cells[k + 1] as string);
      if (value === undefined)
        throw new CatboostOutputError(
          `CatBoost error log line ${lineNumber}: ${name} is not a number (${JSON.stringify(cells[k + 1])})`,
        );
      (metrics[name] as number[]).push(value);
    });
  });
  return { iterations, metrics };
}

/** Metrics where larger is better (CatBoost's Max-best metrics); the rest (losses) are minimised. */
const MAXIMIZED =
  /^(Accuracy|BalancedAccuracy|F1|F|TotalF1|Precision|Recall|AUC|PRAUC|MCC|Kappa|WKappa|R2|NDCG|DCG|FilteredDCG|PFound|MAP|MRR|ERR|NormalizedGini|QueryAUC|AverageGain|PrecisionAt|RecallAt)(?=[:;]|$)/;

/** True if a larger value of `metric` (a name as CatBoost prints it) is better. */
export function isHigherBetter(metric: string): boolean {
  return MAXIMIZED.test(metric);
}

/**
 * The column of the log that holds `metric`: the exact name, else the first column whose name
 * before `:` is the same (a metric printed with parameters), else undefined.
 */
export function findMetricColumn(log: ErrorLog, metric: string): string | undefined {
  if (Object.hasOwn(log.metrics, metric)) return metric;
  const base = metric.split(":")[0];
  return Object.keys(log.metrics).find((name) => name.split(":")[0] === base);
}

/**
 * The best iteration on the eval log as CatBoost's TErrorTracker picks it: the first logged
 * iteration with the strictly best value of `metric` (min, or max for higher-is-better metrics);
 * NaN values never win. `metric` defaults to the first column (CatBoost logs the eval metric first).
 */
export function bestIterationOf(
  log: ErrorLog,
  metric?: string,
): { iteration: number; value: number; metric: string } {
  const column = metric === undefined ? Object.keys(log.metrics)[0] : findMetricColumn(log, metric);
  if (column === undefined)
    throw new CatboostOutputError(
      `metric ${JSON.stringify(metric ?? "")} is not in the error log (columns: ${Object.keys(log.metrics).join(", ")})`,
    );
  const values = log.metrics[column] as number[];
  const higher = isHigherBetter(column);
  let bestIndex = -1;
  let best = higher ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  values.forEach((value, index) => {
    if (Number.isNaN(value)) return;
    if (bestIndex < 0 ? true : higher ? value > best : value < best) {
      best = value;
      bestIndex = index;
    }
  });
  if (bestIndex < 0) throw new CatboostOutputError(`the error log has no value of ${column}`);
  return { iteration: log.iterations[bestIndex] as number, value: best, metric: column };
}

/** Each metric's own best value over the log, like CatBoost's get_best_score(). */
export function bestScoresOf(log: ErrorLog): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const [metric, values] of Object.entries(log.metrics)) {
    const finite = values.filter((value) => !Number.isNaN(value));
    if (finite.length > 0)
      scores[metric] = isHigherBetter(metric) ? Math.max(...finite) : Math.min(...finite);
  }
  return scores;
}

/**
 * CatBoost names per-class metrics by class index (`F1:class=0`, §3 — also with string labels);
 * ct logs them as CatBoost prints them (MLflow key `F1:class 0`, like the reference). For a report
 * that wants labels: `F1:class=0` → `F1:class=Good` given the sorted class names.
 */
export function metricNameWithClass(name: string, classes: readonly string[]): string {
  const match = /^(.*:class=)(\d+)$/.exec(name);
  if (!match) return name;
  const label = classes[Number(match[2])];
  return label === undefined ? name : `${match[1]}${label}`;
}

/** Renames every per-class metric of a curve set with metricNameWithClass. */
export function metricsWithClassNames(
  metrics: Readonly<Record<string, number[]>>,
  classes: readonly string[],
): Record<string, number[]> {
  const renamed: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(metrics)) renamed[metricNameWithClass(name, classes)] = values;
  return renamed;
}

/**
 * A regular feature-importance file (`--fstr-file`, OutputRegularFstr): `<score>\t<feature>` per
 * line, features named by the cd file (or by index). Returns feature → score.
 */
export function parseFeatureImportance(text: string): Record<string, number> {
  const importance: Record<string, number> = {};
  lines(text).forEach((line, index) => {
    if (line.trim() === "") return;
    const tab = line.indexOf("\t");
    const score = tab < 0 ? undefined : parseCatboostNumber(line.slice(0, tab));
    if (tab < 0 || score === undefined)
      throw new CatboostOutputError(
        `feature importance line ${index + 1} is not "<score>\\t<feature>": ${JSON.stringify(line)}`,
      );
    importance[line.slice(tab + 1)] = score;
  });
  return importance;
}

/** What `catboost fit` prints at the end (§7.4): `bestTest = v`, `bestIteration = b`, `Shrink model to first n iterations.` */
export interface FitSummary {
  bestIteration?: number;
  bestTest?: number;
  shrunkTo?: number;
}

/** Folds one console line into `summary` (lines that are not summary lines change nothing). */
export function readSummaryLine(line: string, summary: FitSummary): void {
  const bestIteration = /^\s*bestIteration\s*=\s*(\d+)\s*$/.exec(line);
  if (bestIteration) summary.bestIteration = Number(bestIteration[1]);
  const bestTest = /^\s*bestTest\s*=\s*(\S+)\s*$/.exec(line);
  if (bestTest) {
    const value = parseCatboostNumber(bestTest[1] as string);
    if (value !== undefined) summary.bestTest = value;
  }
  const shrink = /Shrink model to first (\d+) iterations/.exec(line);
  if (shrink) summary.shrunkTo = Number(shrink[1]);
}
