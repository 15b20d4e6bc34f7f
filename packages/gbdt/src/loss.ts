import type { LossFunction } from "./params.ts";

/** Number of raw outputs per row: one per class for the multiclass losses, else one. */
export function outputCount(loss: LossFunction, classCount: number): number {
  return loss === "MultiClass" || loss === "MultiClassOneVsAll" ? classCount : 1;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

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
 * First and second derivatives of the loss for every row and output. `target` holds class
 * indices (classification) or values (RMSE).
 */
export function derivatives(
  loss: LossFunction,
  raw: Float64Array,
  target: Float64Array,
  outputs: number,
  gradient: Float64Array,
  hessian: Float64Array,
): void {
  const rows = target.length;
  if (loss === "RMSE") {
    for (let row = 0; row < rows; row++) {
      gradient[row] = (raw[row] as number) - (target[row] as number);
      hessian[row] = 1;
    }
    return;
  }
  if (loss === "Logloss") {
    for (let row = 0; row < rows; row++) {
      const p = sigmoid(raw[row] as number);
      gradient[row] = p - (target[row] as number);
      hessian[row] = Math.max(p * (1 - p), 1e-16);
    }
    return;
  }
  const probabilities = transformRaw(loss, raw, outputs);
  for (let row = 0; row < rows; row++) {
    const label = target[row] as number;
    for (let k = 0; k < outputs; k++) {
      const index = row * outputs + k;
      const p = probabilities[index] as number;
      gradient[index] = p - (k === label ? 1 : 0);
      hessian[index] = Math.max(p * (1 - p), 1e-16);
    }
  }
}

/** The loss value (mean over rows), as CatBoost reports it for the metric of the same name. */
export function lossValue(
  loss: LossFunction,
  raw: Float64Array,
  target: Float64Array,
  outputs: number,
): number {
  const rows = target.length;
  let total = 0;
  if (loss === "RMSE") {
    for (let row = 0; row < rows; row++) total += ((raw[row] as number) - (target[row] as number)) ** 2;
    return Math.sqrt(total / rows);
  }
  const probabilities = transformRaw(loss, raw, outputs);
  const width = loss === "Logloss" ? 2 : outputs;
  for (let row = 0; row < rows; row++) {
    const label = target[row] as number;
    if (loss === "MultiClassOneVsAll") {
      for (let k = 0; k < outputs; k++) {
        const p = Math.min(Math.max(probabilities[row * width + k] as number, 1e-15), 1 - 1e-15);
        total -= k === label ? Math.log(p) : Math.log(1 - p);
      }
    } else {
      total -= Math.log(Math.max(probabilities[row * width + label] as number, 1e-15));
    }
  }
  return loss === "MultiClassOneVsAll" ? total / rows / outputs : total / rows;
}

/** Share of rows whose highest-scoring class is the label. */
export function accuracy(raw: Float64Array, target: Float64Array, outputs: number): number {
  const rows = target.length;
  let correct = 0;
  for (let row = 0; row < rows; row++) {
    let best = 0;
    if (outputs === 1) best = (raw[row] as number) > 0 ? 1 : 0;
    else
      for (let k = 1; k < outputs; k++)
        if ((raw[row * outputs + k] as number) > (raw[row * outputs + best] as number)) best = k;
    if (best === target[row]) correct++;
  }
  return correct / rows;
}
