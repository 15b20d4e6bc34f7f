import { accuracy, derivatives, lossValue, outputCount } from "./loss.ts";
import {
  type FeatureColumns,
  GbdtModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type TreeJson,
} from "./model.ts";
import { resolveParams, type TrainParams } from "./params.ts";
import { computeBorders, quantize } from "./quantize.ts";

/** Columnar training data: numeric feature columns (NaN = missing) and one label per row. */
export interface TrainData {
  features: FeatureColumns;
  /** Class labels (classification) or target values (RMSE). */
  labels: readonly string[] | Float64Array;
}

export interface TrainResult {
  model: GbdtModel;
  /** Zero-based iteration with the best eval loss (the last one without eval data). */
  bestIteration: number;
  /** Per-iteration metrics named as CatBoost prints them (`MultiClass`, `Accuracy`, …). */
  learnMetrics: Record<string, number[]>;
  evalMetrics?: Record<string, number[]>;
}

/** mulberry32: a small seeded PRNG, so a seed gives identical models. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function encodeTargets(
  data: TrainData,
  params: TrainParams,
  classes?: string[],
): { target: Float64Array; classes: string[] } {
  const { labels } = data;
  if (params.loss_function === "RMSE") {
    const target = Float64Array.from(labels as ArrayLike<number>, Number);
    const bad = target.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new Error(`label at row ${bad} is ${labels[bad]}: RMSE needs finite numeric labels`);
    return { target, classes: [] };
  }
  const names = Array.from(labels as ArrayLike<string>, (label) =>
    label === null || label === undefined ? "" : String(label),
  );
  const missing = names.findIndex((label) => label === "" || label === "NaN");
  if (missing >= 0) throw new Error(`label at row ${missing} is missing; every row needs a class label`);
  const known = classes ?? [...new Set(names)].sort();
  if (!classes && known.length < 2)
    throw new Error(
      `only one class (${JSON.stringify(known[0])}) in the labels; classification needs at least two`,
    );
  if (params.loss_function === "Logloss" && known.length !== 2)
    throw new Error(`Logloss needs exactly two classes, got ${known.length}; use MultiClass`);
  const index = new Map(known.map((name, position) => [name, position]));
  const target = new Float64Array(names.length);
  names.forEach((name, row) => {
    const position = index.get(name);
    if (position === undefined)
      throw new Error(`eval label ${JSON.stringify(name)} at row ${row} is not a training class`);
    target[row] = position;
  });
  return { target, classes: known };
}

function checkColumns(data: TrainData, featureNames: string[], what: string): number {
  const rows = data.labels.length;
  if (rows === 0) throw new Error(`${what} data is empty`);
  for (const name of featureNames) {
    const column = data.features[name];
    if (!column) throw new Error(`${what} data lacks feature ${JSON.stringify(name)}`);
    if (column.length !== rows)
      throw new Error(
        `${what} feature ${JSON.stringify(name)} has ${column.length} rows but there are ${rows} labels`,
      );
  }
  return rows;
}

/** Adds one tree's outputs to `raw` for rows given by raw feature values. */
function applyTree(tree: TreeJson, columns: Float64Array[], raw: Float64Array, outputs: number): void {
  const rows = raw.length / outputs;
  for (let row = 0; row < rows; row++) {
    let leaf = 0;
    for (let level = 0; level < tree.splits.length; level++) {
      const split = tree.splits[level] as { feature: number; border: number };
      leaf |= Number(((columns[split.feature] as Float64Array)[row] as number) > split.border) << level;
    }
    for (let k = 0; k < outputs; k++)
      raw[row * outputs + k] =
        (raw[row * outputs + k] as number) + (tree.leafValues[leaf * outputs + k] as number);
  }
}

/**
 * Trains a CatBoost-style gradient-boosted ensemble of symmetric trees on numeric features
 * (Plain boosting): quantized features, histograms per level, one split per level chosen by
 * CatBoost's Cosine score on bootstrap-weighted gradients plus `random_strength` noise that fades
 * over the iterations, Newton leaf values on all rows with `l2_leaf_reg`, and early stopping on
 * `options.eval` after `od_wait` rounds.
 */
export function train(
  data: TrainData,
  givenParams: Readonly<Record<string, unknown>> = {},
  options: { eval?: TrainData } = {},
): TrainResult {
  const params = resolveParams(givenParams);
  const featureNames = Object.keys(data.features);
  if (featureNames.length === 0) throw new Error("no feature columns");
  const rows = checkColumns(data, featureNames, "training");
  const { target, classes } = encodeTargets(data, params);
  const outputs = outputCount(params.loss_function, classes.length);
  const columns = featureNames.map((name) => data.features[name] as Float64Array);
  const borders = columns.map((column) => computeBorders(column, params.border_count));
  const bins = columns.map((column, feature) => quantize(column, borders[feature] as Float64Array));
  const evalData = options.eval;
  const evalRows = evalData ? checkColumns(evalData, featureNames, "eval") : 0;
  const evalTarget = evalData ? encodeTargets(evalData, params, classes).target : undefined;
  const evalColumns = evalData ? featureNames.map((name) => evalData.features[name] as Float64Array) : [];

  const bias = new Array<number>(outputs).fill(0);
  if (params.loss_function === "RMSE") bias[0] = target.reduce((sum, value) => sum + value, 0) / rows;
  const raw = new Float64Array(rows * outputs);
  for (let row = 0; row < rows; row++)
    for (let k = 0; k < outputs; k++) raw[row * outputs + k] = bias[k] as number;
  const evalRaw = new Float64Array(evalRows * outputs);
  for (let row = 0; row < evalRows; row++)
    for (let k = 0; k < outputs; k++) evalRaw[row * outputs + k] = bias[k] as number;

  const gradient = new Float64Array(rows * outputs);
  const hessian = new Float64Array(rows * outputs);
  const leafOf = new Uint32Array(rows);
  const next = random(params.random_seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const lossName = params.loss_function;
  const isClassifier = lossName !== "RMSE";
  const learnMetrics: Record<string, number[]> = {
    [lossName]: [],
    ...(isClassifier ? { Accuracy: [] } : {}),
  };
  const evalMetrics: Record<string, number[]> | undefined = evalData
    ? { [lossName]: [], ...(isClassifier ? { Accuracy: [] } : {}) }
    : undefined;
  const trees: TreeJson[] = [];
  let bestIteration = 0;
  let bestLoss = Number.POSITIVE_INFINITY;
  const lambda = params.l2_leaf_reg;

  const bootstrap = new Float64Array(rows);
  for (let iteration = 0; iteration < params.iterations; iteration++) {
    derivatives(lossName, raw, target, outputs, gradient, hessian);
    leafOf.fill(0);
    const splits: { feature: number; border: number }[] = [];
    // Bootstrap weights, redrawn per tree, used for split scoring only (leaves use all rows).
    let weightSum = 0;
    let squaredGradient = 0;
    for (let row = 0; row < rows; row++) {
      const weight =
        params.bootstrap_type === "Bayesian"
          ? (-Math.log(next() + 1e-100)) ** params.bagging_temperature
          : params.bootstrap_type === "Bernoulli"
            ? Number(next() < params.subsample)
            : 1;
      bootstrap[row] = weight;
      weightSum += weight;
      for (let k = 0; k < outputs; k++)
        squaredGradient += ((gradient[row * outputs + k] as number) * weight) ** 2;
    }
    const scaledL2 = lambda * (weightSum / rows);
    // CatBoost's score noise: full strength early, fading once iteration × lr exceeds ln(rows).
    const modelSize = Math.exp(Math.log(rows) - iteration * params.learning_rate);
    const noiseScale =
      params.random_strength * Math.sqrt(squaredGradient / rows) * (modelSize / (1 + modelSize));
    const noise = (): number => (noiseScale > 0 ? noiseScale * normal() : 0);
    for (let level = 0; level < params.depth; level++) {
      const leaves = 1 << level;
      const candidates = featureNames
        .map((_, feature) => feature)
        .filter(() => params.rsm >= 1 || next() <= params.rsm);
      if (candidates.length === 0) candidates.push(Math.floor(next() * featureNames.length));
      let best = { score: Number.NEGATIVE_INFINITY, feature: -1, bin: -1 };
      for (const feature of candidates) {
        const featureBins = bins[feature] as Uint16Array;
        const binCount = (borders[feature] as Float64Array).length + 1;
        if (binCount < 2) continue;
        // Per (leaf, bin): Σ g·b per output and Σ b.
        const sumDelta = new Float64Array(leaves * binCount * outputs);
        const sumWeight = new Float64Array(leaves * binCount);
        for (let row = 0; row < rows; row++) {
          const weight = bootstrap[row] as number;
          if (weight === 0) continue;
          const cell = (leafOf[row] as number) * binCount + (featureBins[row] as number);
          sumWeight[cell] = (sumWeight[cell] as number) + weight;
          for (let k = 0; k < outputs; k++) {
            sumDelta[cell * outputs + k] =
              (sumDelta[cell * outputs + k] as number) + (gradient[row * outputs + k] as number) * weight;
          }
        }
        const totalDelta = new Float64Array(leaves * outputs);
        const totalWeight = new Float64Array(leaves);
        for (let leaf = 0; leaf < leaves; leaf++)
          for (let bin = 0; bin < binCount; bin++) {
            const cell = leaf * binCount + bin;
            totalWeight[leaf] = (totalWeight[leaf] as number) + (sumWeight[cell] as number);
            for (let k = 0; k < outputs; k++)
              totalDelta[leaf * outputs + k] =
                (totalDelta[leaf * outputs + k] as number) + (sumDelta[cell * outputs + k] as number);
          }
        const leftDelta = new Float64Array(leaves * outputs);
        const leftWeight = new Float64Array(leaves);
        let featureBest = { score: Number.NEGATIVE_INFINITY, bin: -1 };
        for (let bin = 0; bin < binCount - 1; bin++) {
          // Cosine score over both children of every leaf and every output (CatBoost's default).
          let numerator = 0;
          let denominator = 1e-100;
          for (let leaf = 0; leaf < leaves; leaf++) {
            const cell = leaf * binCount + bin;
            leftWeight[leaf] = (leftWeight[leaf] as number) + (sumWeight[cell] as number);
            const weights = [
              leftWeight[leaf] as number,
              (totalWeight[leaf] as number) - (leftWeight[leaf] as number),
            ];
            for (let k = 0; k < outputs; k++) {
              const at = leaf * outputs + k;
              leftDelta[at] = (leftDelta[at] as number) + (sumDelta[cell * outputs + k] as number);
              const deltas = [
                leftDelta[at] as number,
                (totalDelta[at] as number) - (leftDelta[at] as number),
              ];
              for (let child = 0; child < 2; child++) {
                const weight = weights[child] as number;
                if (weight <= 0) continue;
                const average = (deltas[child] as number) / (weight + scaledL2);
                numerator += average * (deltas[child] as number);
                denominator += average * average * weight;
              }
            }
          }
          const score = numerator / Math.sqrt(denominator) + noise();
          if (score > featureBest.score) featureBest = { score, bin };
        }
        // A fresh draw compares the per-feature winners.
        const compared = featureBest.score + noise();
        if (featureBest.bin >= 0 && compared > best.score)
          best = { score: compared, feature, bin: featureBest.bin };
      }
      if (best.feature < 0) break;
      const featureBins = bins[best.feature] as Uint16Array;
      for (let row = 0; row < rows; row++)
        if ((featureBins[row] as number) > best.bin) leafOf[row] = (leafOf[row] as number) | (1 << level);
      splits.push({
        feature: best.feature,
        border: (borders[best.feature] as Float64Array)[best.bin] as number,
      });
    }
    const leafCount = 1 << splits.length;
    const leafG = new Float64Array(leafCount * outputs);
    const leafH = new Float64Array(leafCount * outputs);
    for (let row = 0; row < rows; row++)
      for (let k = 0; k < outputs; k++) {
        const at = (leafOf[row] as number) * outputs + k;
        leafG[at] = (leafG[at] as number) + (gradient[row * outputs + k] as number);
        leafH[at] = (leafH[at] as number) + (hessian[row * outputs + k] as number);
      }
    const leafValues = Array.from(
      leafG,
      (g, at) => (-params.learning_rate * g) / ((leafH[at] as number) + lambda),
    );
    const tree: TreeJson = { splits, leafValues };
    trees.push(tree);
    for (let row = 0; row < rows; row++)
      for (let k = 0; k < outputs; k++)
        raw[row * outputs + k] =
          (raw[row * outputs + k] as number) + (leafValues[(leafOf[row] as number) * outputs + k] as number);
    learnMetrics[lossName]?.push(lossValue(lossName, raw, target, outputs));
    if (isClassifier) learnMetrics.Accuracy?.push(accuracy(raw, target, outputs));
    if (evalData && evalTarget && evalMetrics) {
      applyTree(tree, evalColumns, evalRaw, outputs);
      const evalLoss = lossValue(lossName, evalRaw, evalTarget, outputs);
      evalMetrics[lossName]?.push(evalLoss);
      if (isClassifier) evalMetrics.Accuracy?.push(accuracy(evalRaw, evalTarget, outputs));
      if (evalLoss < bestLoss) {
        bestLoss = evalLoss;
        bestIteration = iteration;
      } else if (params.od_wait > 0 && iteration - bestIteration >= params.od_wait) {
        break;
      }
    } else {
      bestIteration = iteration;
    }
  }
  const kept = evalData && params.use_best_model ? trees.slice(0, bestIteration + 1) : trees;
  const model = new GbdtModel({
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    lossFunction: lossName,
    classes,
    featureNames,
    outputs,
    bias,
    trees: kept,
    bestIteration,
  });
  return { model, bestIteration, learnMetrics, ...(evalMetrics ? { evalMetrics } : {}) };
}
