/** Metrics where a larger value is better; every other metric (the losses) is minimized. */
const MAXIMIZED = /^(Accuracy|F1|TotalF1|Precision|Recall|AUC|MCC)(:|$)/;

export function isMaximized(metric: string): boolean {
  return MAXIMIZED.test(metric);
}

/** Each metric's own best value over all iterations, as CatBoost's `get_best_score()` reports it. */
export function bestScores(curves: Readonly<Record<string, readonly number[]>>): Record<string, number> {
  const best: Record<string, number> = {};
  for (const [metric, values] of Object.entries(curves)) {
    if (values.length === 0) continue;
    best[metric] = isMaximized(metric) ? Math.max(...values) : Math.min(...values);
  }
  return best;
}

/** Each metric's value at one iteration (the kept model's scores). */
export function scoresAt(
  curves: Readonly<Record<string, readonly number[]>>,
  iteration: number,
): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const [metric, values] of Object.entries(curves)) {
    const value = values[Math.min(iteration, values.length - 1)];
    if (value !== undefined) scores[metric] = value;
  }
  return scores;
}

/** Confusion matrix and per-class precision/recall/F1 of predicted vs true labels. */
export interface ClassificationReport {
  readonly classes: readonly string[];
  /** `matrix[actual][predicted]` counts. */
  readonly matrix: readonly (readonly number[])[];
  readonly perClass: readonly {
    readonly label: string;
    readonly precision: number;
    readonly recall: number;
    readonly f1: number;
    readonly support: number;
  }[];
  readonly accuracy: number;
  readonly rows: number;
}

/** Row-wise argmax of a rows × classes probability matrix, as class labels (first max on ties). */
export function argmaxLabels(probabilities: Float64Array, classes: readonly string[]): string[] {
  const width = classes.length;
  const rows = probabilities.length / width;
  const labels = new Array<string>(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let k = 1; k < width; k++)
      if ((probabilities[row * width + k] as number) > (probabilities[row * width + best] as number))
        best = k;
    labels[row] = classes[best] as string;
  }
  return labels;
}

/**
 * The report of predictions against labels. Precision/recall are 1 when their denominator is 0,
 * F1 is 0 when both are 0 — CatBoost's conventions, so the numbers agree with its metrics.
 */
export function classificationReport(
  actual: readonly string[],
  predicted: readonly string[],
  classes: readonly string[],
): ClassificationReport {
  const index = new Map(classes.map((label, position) => [label, position]));
  const matrix = classes.map(() => classes.map(() => 0));
  let correct = 0;
  actual.forEach((label, row) => {
    const a = index.get(label);
    const p = index.get(predicted[row] as string);
    if (a === undefined || p === undefined) return;
    (matrix[a] as number[])[p] = ((matrix[a] as number[])[p] as number) + 1;
    if (a === p) correct++;
  });
  const perClass = classes.map((label, k) => {
    const tp = (matrix[k] as number[])[k] as number;
    const support = (matrix[k] as number[]).reduce((sum, count) => sum + count, 0);
    const predictedCount = matrix.reduce((sum, row) => sum + (row[k] as number), 0);
    const precision = predictedCount === 0 ? 1 : tp / predictedCount;
    const recall = support === 0 ? 1 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    classes,
    matrix,
    perClass,
    accuracy: actual.length ? correct / actual.length : 0,
    rows: actual.length,
  };
}
