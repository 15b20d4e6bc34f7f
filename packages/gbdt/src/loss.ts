import type { LossFunction } from "./params.ts";
import { kernel } from "./split-kernel.ts";

/** Number of raw outputs per row: one per class for the multiclass losses, else one. */
export function outputCount(loss: LossFunction, classCount: number): number {
  return loss === "MultiClass" || loss === "MultiClassOneVsAll" ? classCount : 1;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * A leaf's values: `scale` × the Newton step −(H + λI)⁻¹·g of its summed gradients `gradient`
 * (one per output) and Hessian `hessian` — one value per output (a diagonal Hessian: `scale·g /
 * (h + λ)` per output) or the upper triangle of a full symmetric one, row by row (MultiClass).
 * The full system is solved as CatBoost's TSymmetricHessian::SolveNewtonEquation does, with λ
 * raised to at least 2⁻²³ (float epsilon) × the largest diagonal entry, by a Cholesky
 * decomposition (H + λI is positive definite). Written here rather than with ml-matrix: the
 * engine has no dependencies, and a K × K solve per leaf needs no matrix objects. The values go
 * to `out` from index `at`, with `matrix` (outputs² doubles) as scratch: a fit solves one system
 * per leaf of every tree and allocates nothing for it.
 */
export function writeNewtonStep(
  gradient: Float64Array,
  hessian: Float64Array,
  l2: number,
  scale: number,
  out: number[],
  at: number,
  matrix: Float64Array,
): void {
  const outputs = gradient.length;
  if (hessian.length === outputs) {
    for (let k = 0; k < outputs; k++) out[at + k] = (scale * gradient[k]!) / (hessian[k]! + l2);
    return;
  }
  // The matrix A = H + λ'I, full, row-major.
  let maxDiagonal = 0;
  for (let a = 0, entry = 0; a < outputs; a++)
    for (let b = a; b < outputs; b++, entry++) {
      matrix[a * outputs + b] = hessian[entry]!;
      matrix[b * outputs + a] = hessian[entry]!;
      if (a === b) maxDiagonal = Math.max(maxDiagonal, hessian[entry]!);
    }
  const adjustedL2 = Math.max(l2, maxDiagonal * 2 ** -23);
  for (let a = 0; a < outputs; a++) matrix[a * outputs + a] = matrix[a * outputs + a]! + adjustedL2;
  // Cholesky A = L·Lᵀ, L in the lower triangle of `matrix`.
  for (let j = 0; j < outputs; j++) {
    let diagonal = matrix[j * outputs + j]!;
    for (let k = 0; k < j; k++) diagonal -= matrix[j * outputs + k]! ** 2;
    const pivot = Math.sqrt(diagonal);
    matrix[j * outputs + j] = pivot;
    for (let i = j + 1; i < outputs; i++) {
      let value = matrix[i * outputs + j]!;
      for (let k = 0; k < j; k++) value -= matrix[i * outputs + k]! * matrix[j * outputs + k]!;
      matrix[i * outputs + j] = value / pivot;
    }
  }
  // L·y = scale·g, then Lᵀ·x = y, in place at out[at …].
  for (let i = 0; i < outputs; i++) {
    let value = scale * gradient[i]!;
    for (let k = 0; k < i; k++) value -= matrix[i * outputs + k]! * out[at + k]!;
    out[at + i] = value / matrix[i * outputs + i]!;
  }
  for (let i = outputs - 1; i >= 0; i--) {
    let value = out[at + i]!;
    for (let k = i + 1; k < outputs; k++) value -= matrix[k * outputs + i]! * out[at + k]!;
    out[at + i] = value / matrix[i * outputs + i]!;
  }
}

/** Probabilities (classification) or predictions (RMSE) from raw outputs, row by row. */
export function transformRaw(loss: LossFunction, raw: Float64Array, outputs: number): Float64Array {
  if (loss === "RMSE") return raw.slice();
  const rows = raw.length / outputs;
  if (loss === "Logloss") {
    const probabilities = new Float64Array(rows * 2);
    for (let row = 0; row < rows; row++) {
      const p = sigmoid(raw[row] as number);
      probabilities[row * 2] = 1 - p;
      probabilities[row * 2 + 1] = p;
    }
    return probabilities;
  }
  const probabilities = new Float64Array(raw.length);
  for (let row = 0; row < rows; row++) {
    const base = row * outputs;
    if (loss === "MultiClassOneVsAll") {
      for (let k = 0; k < outputs; k++) probabilities[base + k] = sigmoid(raw[base + k] as number);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < outputs; k++) max = Math.max(max, raw[base + k] as number);
    let sum = 0;
    for (let k = 0; k < outputs; k++) {
      const e = Math.exp((raw[base + k] as number) - max);
      probabilities[base + k] = e;
      sum += e;
    }
    for (let k = 0; k < outputs; k++) probabilities[base + k] = (probabilities[base + k] as number) / sum;
  }
  return probabilities;
}

/**
 * The loss value from the sum of the rows' loss terms: the mean over rows (and over the classes
 * for MultiClassOneVsAll), its root for RMSE.
 */
export function meanLoss(loss: LossFunction, total: number, rows: number, outputs: number): number {
  if (loss === "RMSE") return Math.sqrt(total / rows);
  return loss === "MultiClassOneVsAll" ? total / rows / outputs : total / rows;
}

/**
 * The loss value (mean over rows), as CatBoost reports it for the metric of the same name, from
 * the kernel's loss terms (overflow-safe; split-kernel.ts's `lossSum` gives the formulas).
 */
export function lossValue(
  loss: LossFunction,
  raw: Float64Array,
  target: Float64Array,
  outputs: number,
): number {
  const rows = target.length;
  return meanLoss(loss, kernel.lossSum(kernel.LOSS[loss], raw, target, outputs, 0, rows), rows, outputs);
}
