import { transformRaw } from "./loss.ts";
import type { LossFunction } from "./params.ts";

export const MODEL_FORMAT = "ct-gbdt";
export const MODEL_FORMAT_VERSION = 1;

/** One symmetric (oblivious) tree: the same split on every node of a level. */
export interface TreeJson {
  /** Split of each level, root first: go right when `value > border` (NaN goes left). */
  splits: { feature: number; border: number }[];
  /** 2^depth leaves × outputs, learning rate included; leaf index bit i = level i's decision. */
  leafValues: number[];
}

/** The versioned model file (docs/gbdt.md). */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  lossFunction: LossFunction;
  /** Sorted class labels (empty for RMSE). */
  classes: string[];
  featureNames: string[];
  outputs: number;
  bias: number[];
  trees: TreeJson[];
  bestIteration: number;
}

/** Numeric feature columns (NaN = missing), in the model's feature order or by name. */
export type FeatureColumns = Readonly<Record<string, Float64Array>>;

/** A trained model; needs nothing of the trainer to predict (for serving). */
export class GbdtModel {
  constructor(readonly json: ModelJson) {}

  static fromJSON(text: string | ModelJson): GbdtModel {
    const json = (typeof text === "string" ? JSON.parse(text) : text) as ModelJson;
    if (json?.format !== MODEL_FORMAT || json.version !== MODEL_FORMAT_VERSION) {
      throw new Error(
        `not a ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} model (format ${JSON.stringify(json?.format)}, version ${JSON.stringify(json?.version)})`,
      );
    }
    return new GbdtModel(json);
  }

  toJSON(): ModelJson {
    return this.json;
  }

  /** Raw outputs (rows × outputs), the sum of the trees plus the bias. */
  predictRaw(columns: FeatureColumns): Float64Array {
    const { featureNames, outputs, bias, trees } = this.json;
    const features = featureNames.map((name) => {
      const column = columns[name];
      if (!column) throw new Error(`missing feature column ${JSON.stringify(name)}`);
      return column;
    });
    const rows = features[0]?.length ?? 0;
    for (const [index, column] of features.entries()) {
      if (column.length !== rows)
        throw new Error(`feature ${featureNames[index]} has ${column.length} rows, expected ${rows}`);
    }
    const raw = new Float64Array(rows * outputs);
    for (let row = 0; row < rows; row++)
      for (let k = 0; k < outputs; k++) raw[row * outputs + k] = bias[k] as number;
    for (const tree of trees) {
      for (let row = 0; row < rows; row++) {
        let leaf = 0;
        for (let level = 0; level < tree.splits.length; level++) {
          const split = tree.splits[level] as { feature: number; border: number };
          // Branch-free: the comparison is the bit (NaN > x is false: NaN goes left).
          leaf |= Number(((features[split.feature] as Float64Array)[row] as number) > split.border) << level;
        }
        const base = leaf * outputs;
        for (let k = 0; k < outputs; k++)
          raw[row * outputs + k] = (raw[row * outputs + k] as number) + (tree.leafValues[base + k] as number);
      }
    }
    return raw;
  }

  /** Class probabilities (rows × classes) or, for RMSE, predictions. */
  predictProba(columns: FeatureColumns): Float64Array {
    return transformRaw(this.json.lossFunction, this.predictRaw(columns), this.json.outputs);
  }

  /** The most probable class per row (or the predicted value, for RMSE). */
  predict(columns: FeatureColumns): (string | number)[] {
    const { classes, lossFunction } = this.json;
    const probabilities = this.predictProba(columns);
    if (lossFunction === "RMSE") return Array.from(probabilities);
    const width = classes.length;
    const labels: string[] = [];
    for (let row = 0; row < probabilities.length / width; row++) {
      let best = 0;
      for (let k = 1; k < width; k++)
        if ((probabilities[row * width + k] as number) > (probabilities[row * width + best] as number))
          best = k;
      labels.push(classes[best] as string);
    }
    return labels;
  }

  /** How often each feature splits, weighted by its tree's total absolute leaf value, normalized to 100. */
  featureImportance(): Record<string, number> {
    const { featureNames, trees } = this.json;
    const weight = new Float64Array(featureNames.length);
    for (const tree of trees) {
      const size = tree.leafValues.reduce((sum, value) => sum + Math.abs(value), 0);
      for (const split of tree.splits) weight[split.feature] = (weight[split.feature] as number) + size;
    }
    const total = weight.reduce((sum, value) => sum + value, 0) || 1;
    return Object.fromEntries(
      featureNames.map((name, index) => [name, (100 * (weight[index] as number)) / total]),
    );
  }
}
