import { type CtrJson, type CtrTableJson, maxValueCount, tableBuckets, valueIds } from "./ctr.ts";
import {
  encodeLabels,
  type FeatureColumns,
  type FeatureData,
  type PredictInput,
  stringColumn,
  type TrainData,
  toFeatureData,
} from "./data.ts";
import { lossValue, transformRaw } from "./loss.ts";
import { evaluateMetrics, resolveMetrics } from "./metrics.ts";
import type { LossFunction, NanMode } from "./params.ts";
import {
  emptyNaiveBayes,
  grams,
  type NaiveBayesState,
  naiveBayesDimensions,
  naiveBayesFeatures,
  type TokenizerJson,
  toBags,
  tokenize,
} from "./text.ts";

export const MODEL_FORMAT = "ct-gbdt";
export const MODEL_FORMAT_VERSION = 2;

/** Level i of a symmetric tree: go right (bit i of the leaf index) when the feature's value > border. */
export interface SplitJson {
  /** Index into the model's `features`. */
  feature: number;
  border: number;
}

/** One symmetric (oblivious) tree: the same split on every node of a level. */
export interface TreeJson {
  /** Split of each level, root first. */
  splits: SplitJson[];
  /** 2^depth leaves × outputs, learning rate included; leaf index bit i = level i's decision. */
  leafValues: number[];
  /** Learn rows per leaf (CatBoost's leaf_weights), for feature importances; absent in v1 files. */
  leafWeights?: number[];
}

/**
 * A feature the trees split on, computed from the input columns:
 * - Float: numeric column `featureNames[column]` (NaN: below every border for nan_mode Min, above for Max);
 * - OneHot: 1 when categorical column `categoricalFeatures[column]` equals `value`, else 0;
 * - Ctr: the bucket (0…15) of a CTR of table `ctrTables[table]`;
 * - BoW: 1 when the text of `tokenizedTexts[text]` contains dictionary token `token`, else 0;
 * - NaiveBayes: output `dimension` of the naive Bayes model of `tokenizedTexts[text]`.
 */
export type ModelFeatureJson =
  | { type: "Float"; column: number }
  | { type: "OneHot"; column: number; value: string }
  | ({ type: "Ctr" } & CtrJson)
  | { type: "BoW"; text: number; token: number }
  | { type: "NaiveBayes"; text: number; dimension: number };

/** A text column tokenized and mapped through a dictionary built on the learn set. */
export interface TokenizedTextJson {
  /** Index into the model's textFeatures. */
  column: number;
  tokenizer: TokenizerJson;
  /** Dictionary tokens, id = position; n-grams joined by U+001F. */
  dictionary: { id: string; gramOrder: number; tokens: string[] };
  /** The naive Bayes model over all learn rows (when a NaiveBayes feature uses it). */
  naiveBayes?: { classDocs: number[]; classTokens: number[]; seenTokens: number; counts: number[] };
}

/** The versioned model file (docs/gbdt.md). */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  lossFunction: LossFunction;
  /** Sorted class labels (empty for RMSE). */
  classes: string[];
  /** Numeric columns; `features[i]` for i < featureNames.length is `{type: "Float", column: i}`. */
  featureNames: string[];
  categoricalFeatures: string[];
  textFeatures: string[];
  nanMode: NanMode;
  outputs: number;
  bias: number[];
  features: ModelFeatureJson[];
  ctrTables: CtrTableJson[];
  tokenizedTexts: TokenizedTextJson[];
  trees: TreeJson[];
  bestIteration: number;
}

/** Model format 1 (numeric features only), still readable. */
interface ModelJsonV1 {
  format: typeof MODEL_FORMAT;
  version: 1;
  lossFunction: LossFunction;
  classes: string[];
  featureNames: string[];
  outputs: number;
  bias: number[];
  trees: { splits: SplitJson[]; leafValues: number[] }[];
  bestIteration: number;
}

/** Rows evaluated at a time (bounds the memory of derived feature values). */
const CHUNK = 8192;

/** Lookup structures built once per model. */
interface Compiled {
  ctrIndex: Map<string, number>[];
  ctrMax: number[];
  dictionaries: Map<string, number>[];
  naiveBayes: (NaiveBayesState | undefined)[];
}

/** A trained model; needs nothing of the trainer to predict (for serving). */
export class GbdtModel {
  readonly json: ModelJson;
  #compiled: Compiled | undefined;

  constructor(json: ModelJson) {
    this.json = json;
  }

  /** Reads model JSON (text or parsed) of format version 2, or 1 (upgraded). */
  static fromJSON(text: string | ModelJson): GbdtModel {
    const json = (typeof text === "string" ? JSON.parse(text) : text) as ModelJson | ModelJsonV1;
    if (json?.format !== MODEL_FORMAT || (json.version !== 1 && json.version !== MODEL_FORMAT_VERSION)) {
      throw new Error(
        `not a ${MODEL_FORMAT} v1/v${MODEL_FORMAT_VERSION} model (format ${JSON.stringify(json?.format)}, version ${JSON.stringify(json?.version)})`,
      );
    }
    if (json.version === 1) {
      return new GbdtModel({
        format: MODEL_FORMAT,
        version: MODEL_FORMAT_VERSION,
        lossFunction: json.lossFunction,
        classes: json.classes,
        featureNames: json.featureNames,
        categoricalFeatures: [],
        textFeatures: [],
        nanMode: "Min",
        outputs: json.outputs,
        bias: json.bias,
        features: json.featureNames.map((_, column) => ({ type: "Float", column })),
        ctrTables: [],
        tokenizedTexts: [],
        trees: json.trees.map((tree) => ({ splits: tree.splits, leafValues: tree.leafValues })),
        bestIteration: json.bestIteration,
      });
    }
    return new GbdtModel(json);
  }

  toJSON(): ModelJson {
    return this.json;
  }

  #compile(): Compiled {
    if (this.#compiled) return this.#compiled;
    const { ctrTables, tokenizedTexts, classes } = this.json;
    this.#compiled = {
      ctrIndex: ctrTables.map((table) => new Map(table.values.map((value, id) => [value, id]))),
      ctrMax: ctrTables.map((table) => maxValueCount(table.counts, table.targetClasses)),
      dictionaries: tokenizedTexts.map(
        (text) => new Map(text.dictionary.tokens.map((token, id) => [token, id])),
      ),
      naiveBayes: tokenizedTexts.map((text) => {
        const nb = text.naiveBayes;
        if (!nb) return undefined;
        const state = emptyNaiveBayes(classes.length, text.dictionary.tokens.length);
        state.classDocs.set(nb.classDocs);
        state.classTokens.set(nb.classTokens);
        state.seenTokens = nb.seenTokens;
        state.counts.set(nb.counts);
        return state;
      }),
    };
    return this.#compiled;
  }

  /** The input column each model feature reads, as "kind:name". */
  #sourceOf(feature: ModelFeatureJson): string {
    const { featureNames, categoricalFeatures, textFeatures, ctrTables, tokenizedTexts } = this.json;
    switch (feature.type) {
      case "Float":
        return featureNames[feature.column] as string;
      case "OneHot":
        return categoricalFeatures[feature.column] as string;
      case "Ctr":
        return categoricalFeatures[(ctrTables[feature.table] as CtrTableJson).column] as string;
      default:
        return textFeatures[(tokenizedTexts[feature.text] as TokenizedTextJson).column] as string;
    }
  }

  /**
   * Values of the model features the trees use, for rows [start, end) of `data`: one
   * Float64Array per feature index (undefined for unused features).
   */
  #featureValues(
    data: FeatureData,
    used: boolean[],
    start: number,
    end: number,
  ): (Float64Array | undefined)[] {
    const { features, ctrTables, tokenizedTexts, featureNames, categoricalFeatures, textFeatures, nanMode } =
      this.json;
    const compiled = this.#compile();
    const length = end - start;
    const ctrIds = new Map<number, Int32Array>();
    const tableIds = (table: number): Int32Array => {
      let ids = ctrIds.get(table);
      if (ids) return ids;
      const spec = ctrTables[table] as CtrTableJson;
      const column = data.categorical?.[categoricalFeatures[spec.column] as string] as readonly string[];
      ids = valueIds(column, compiled.ctrIndex[table] as Map<string, number>, start, length);
      ctrIds.set(table, ids);
      return ids;
    };
    const bags = new Map<number, ReturnType<typeof toBags>>();
    const textBags = (text: number) => {
      let bag = bags.get(text);
      if (bag) return bag;
      const spec = tokenizedTexts[text] as TokenizedTextJson;
      const column = data.text?.[textFeatures[spec.column] as string] as readonly string[];
      const texts: (readonly string[])[] = [];
      for (let row = start; row < end; row++)
        texts.push(grams(tokenize(column[row] as string, spec.tokenizer), spec.dictionary.gramOrder));
      bag = toBags(texts, compiled.dictionaries[text] as Map<string, number>);
      bags.set(text, bag);
      return bag;
    };
    const naiveBayes = new Map<number, Float64Array>();
    const textNaiveBayes = (text: number): Float64Array => {
      let values = naiveBayes.get(text);
      if (values) return values;
      const state = compiled.naiveBayes[text];
      if (!state) throw new Error(`model file: tokenized text ${text} has no naiveBayes section`);
      const dimensions = naiveBayesDimensions(state.classes);
      const bag = textBags(text);
      values = new Float64Array(length * dimensions);
      const scratch = new Float64Array(state.classes);
      for (let row = 0; row < length; row++)
        naiveBayesFeatures(
          state,
          bag.ids,
          bag.counts,
          bag.offsets[row]!,
          bag.offsets[row + 1]!,
          scratch,
          values,
          row * dimensions,
        );
      naiveBayes.set(text, values);
      return values;
    };
    return features.map((feature, index) => {
      if (!used[index]) return undefined;
      const values = new Float64Array(length);
      switch (feature.type) {
        case "Float": {
          const column = data.features?.[featureNames[feature.column] as string] as Float64Array;
          for (let row = 0; row < length; row++) {
            const value = column[start + row]!;
            if (Number.isNaN(value)) {
              if (nanMode === "Forbidden")
                throw new Error(
                  `feature ${JSON.stringify(featureNames[feature.column])} is missing (NaN) at row ${start + row} but the model was trained with nan_mode Forbidden`,
                );
              values[row] = nanMode === "Max" ? Number.POSITIVE_INFINITY : Number.NaN;
            } else values[row] = value;
          }
          break;
        }
        case "OneHot": {
          const column = data.categorical?.[
            categoricalFeatures[feature.column] as string
          ] as readonly string[];
          for (let row = 0; row < length; row++) values[row] = column[start + row] === feature.value ? 1 : 0;
          break;
        }
        case "Ctr": {
          const table = ctrTables[feature.table] as CtrTableJson;
          const buckets = tableBuckets(
            tableIds(feature.table),
            table.counts,
            table.targetClasses,
            feature,
            compiled.ctrMax[feature.table] as number,
          );
          for (let row = 0; row < length; row++) values[row] = buckets[row]!;
          break;
        }
        case "BoW": {
          const bag = textBags(feature.text);
          for (let row = 0; row < length; row++) {
            let present = 0;
            for (let at = bag.offsets[row]!; at < bag.offsets[row + 1]!; at++)
              if (bag.ids[at] === feature.token) present = 1;
            values[row] = present;
          }
          break;
        }
        case "NaiveBayes": {
          const all = textNaiveBayes(feature.text);
          const dimensions = naiveBayesDimensions(this.json.classes.length);
          for (let row = 0; row < length; row++) values[row] = all[row * dimensions + feature.dimension]!;
          break;
        }
      }
      return values;
    });
  }

  /**
   * Checks that `data` has every column the trees use, all of one length; returns the row count
   * and the data with categorical/text columns as strings.
   */
  #checkInput(data: FeatureData, used: boolean[]): { rows: number; data: FeatureData } {
    const { features } = this.json;
    const needed = new Map<string, "numeric" | "categorical" | "text">();
    features.forEach((feature, index) => {
      if (!used[index]) return;
      needed.set(
        this.#sourceOf(feature),
        feature.type === "Float"
          ? "numeric"
          : feature.type === "OneHot" || feature.type === "Ctr"
            ? "categorical"
            : "text",
      );
    });
    let rows: number | undefined;
    let first = "";
    const categorical: Record<string, readonly string[]> = {};
    const text: Record<string, readonly string[]> = {};
    for (const [name, kind] of needed) {
      let length: number;
      if (kind === "numeric") {
        const column = data.features?.[name];
        if (!column) throw new Error(`missing feature column ${JSON.stringify(name)}`);
        length = column.length;
      } else {
        const column = (kind === "categorical" ? data.categorical : data.text)?.[name];
        if (!column) throw new Error(`missing ${kind} column ${JSON.stringify(name)}`);
        length = column.length;
        (kind === "categorical" ? categorical : text)[name] = stringColumn(
          column,
          kind === "categorical" ? "categorical feature" : "text feature",
          name,
          length,
          "input",
        );
      }
      if (rows === undefined) {
        rows = length;
        first = name;
      } else if (length !== rows)
        throw new Error(
          `feature ${JSON.stringify(name)} has ${length} rows, expected ${rows} (as ${JSON.stringify(first)})`,
        );
    }
    const normalized = { features: data.features, categorical, text };
    if (rows !== undefined) return { rows, data: normalized };
    // A model without splits: the row count comes from any column given.
    const someColumn = [
      ...Object.values(data.features ?? {}),
      ...Object.values(data.categorical ?? {}),
      ...Object.values(data.text ?? {}),
    ][0];
    return { rows: someColumn?.length ?? 0, data: normalized };
  }

  #used(): boolean[] {
    const used = this.json.features.map(() => false);
    for (const tree of this.json.trees) for (const split of tree.splits) used[split.feature] = true;
    return used;
  }

  /** Leaf index of every row in every tree (trees × rows), and the row count. */
  #leaves(input: PredictInput): { leaves: Uint32Array[]; rows: number } {
    const used = this.#used();
    const { rows, data } = this.#checkInput(toFeatureData(input), used);
    const { trees } = this.json;
    const leaves = trees.map(() => new Uint32Array(rows));
    for (let start = 0; start < rows; start += CHUNK) {
      const end = Math.min(rows, start + CHUNK);
      const values = this.#featureValues(data, used, start, end);
      trees.forEach((tree, t) => {
        const out = leaves[t] as Uint32Array;
        for (let level = 0; level < tree.splits.length; level++) {
          const split = tree.splits[level] as SplitJson;
          const column = values[split.feature] as Float64Array;
          const border = split.border;
          // Branch-free: the comparison is the bit (NaN > x is false: NaN goes left).
          for (let row = start; row < end; row++)
            out[row] = out[row]! | (Number(column[row - start]! > border) << level);
        }
      });
    }
    return { leaves, rows };
  }

  /** Raw outputs (rows × outputs), the sum of the trees plus the bias. */
  predictRaw(input: PredictInput): Float64Array {
    const { outputs, bias, trees } = this.json;
    const { leaves, rows } = this.#leaves(input);
    const raw = new Float64Array(rows * outputs);
    for (let row = 0; row < rows; row++) for (let k = 0; k < outputs; k++) raw[row * outputs + k] = bias[k]!;
    trees.forEach((tree, t) => {
      const leafOf = leaves[t] as Uint32Array;
      const values = tree.leafValues;
      for (let row = 0; row < rows; row++) {
        const base = leafOf[row]! * outputs;
        for (let k = 0; k < outputs; k++)
          raw[row * outputs + k] = raw[row * outputs + k]! + values[base + k]!;
      }
    });
    return raw;
  }

  /** Class probabilities (rows × classes) or, for RMSE, predictions. */
  predictProba(input: PredictInput): Float64Array {
    return transformRaw(this.json.lossFunction, this.predictRaw(input), this.json.outputs);
  }

  /**
   * The most probable class per row (CatBoost: argmax of the raw outputs). For RMSE, the
   * predicted values as strings (`Number(s)` gives them back exactly; predictProba gives numbers).
   */
  predict(input: PredictInput): string[] {
    const { classes, lossFunction, outputs } = this.json;
    const raw = this.predictRaw(input);
    if (lossFunction === "RMSE") return Array.from(raw, String);
    const rows = raw.length / outputs;
    const labels: string[] = [];
    for (let row = 0; row < rows; row++) {
      let best = 0;
      if (outputs === 1) best = raw[row]! > 0 ? 1 : 0;
      else
        for (let k = 1; k < outputs; k++) if (raw[row * outputs + k]! > raw[row * outputs + best]!) best = k;
      labels.push(classes[best] as string);
    }
    return labels;
  }

  /**
   * CatBoost's metrics of the model on labelled data (`Accuracy`, `F1`, `TotalF1`, loss names),
   * named as CatBoost prints them.
   */
  evalMetrics(data: TrainData, metrics: readonly string[]): Record<string, number> {
    const { lossFunction, classes, outputs } = this.json;
    const resolved = resolveMetrics(metrics, lossFunction, classes, "metric");
    const { target } = encodeLabels(
      data.labels,
      lossFunction,
      "data",
      lossFunction === "RMSE" ? undefined : classes,
    );
    const raw = this.predictRaw(data);
    if (raw.length !== target.length * outputs)
      throw new Error(`data has ${target.length} labels but ${raw.length / outputs} rows`);
    const values = evaluateMetrics(resolved, raw, target, outputs);
    return Object.fromEntries(resolved.map((metric, index) => [metric.name, values[index] as number]));
  }

  /** Names of all input columns: numeric, categorical, text. */
  #inputNames(): string[] {
    return [...this.json.featureNames, ...this.json.categoricalFeatures, ...this.json.textFeatures];
  }

  /**
   * Importance of every input column (numeric, categorical, text; a column's CTRs, one-hot
   * values and text features count for the column).
   *
   * Without data: CatBoost's PredictionValuesChange, normalized to sum 100 — for every split,
   * Σ over the leaf pairs it separates of (v₁ − v̄)²·w₁ + (v₂ − v̄)²·w₂ with the learn leaf
   * weights w (1 for v1 model files). With labelled data: LossFunctionChange-style, the increase
   * of the loss on that data when the column's splits are removed from every tree (each row gets
   * the weight-averaged value of the leaves its other splits allow); higher = more useful there.
   */
  featureImportance(data?: TrainData): Record<string, number> {
    const { trees, features, outputs } = this.json;
    const names = this.#inputNames();
    const sourceOf = features.map((feature) => names.indexOf(this.#sourceOf(feature)));
    const importance = new Float64Array(names.length);
    if (!data) {
      for (const tree of trees) {
        const weights = tree.leafWeights;
        tree.splits.forEach((split, level) => {
          const bit = 1 << level;
          let sum = 0;
          for (let leaf = 0; leaf < tree.leafValues.length / outputs; leaf++) {
            if (leaf & bit) continue;
            const other = leaf | bit;
            const w1 = weights ? weights[leaf]! : 1;
            const w2 = weights ? weights[other]! : 1;
            if (w1 + w2 === 0) continue;
            for (let k = 0; k < outputs; k++) {
              const v1 = tree.leafValues[leaf * outputs + k]!;
              const v2 = tree.leafValues[other * outputs + k]!;
              const average = (v1 * w1 + v2 * w2) / (w1 + w2);
              sum += (v1 - average) ** 2 * w1 + (v2 - average) ** 2 * w2;
            }
          }
          const source = sourceOf[split.feature]!;
          importance[source] = importance[source]! + sum;
        });
      }
      const total = importance.reduce((sum, value) => sum + value, 0) || 1;
      return Object.fromEntries(names.map((name, index) => [name, (100 * importance[index]!) / total]));
    }
    const { lossFunction, classes, bias } = this.json;
    const { target } = encodeLabels(
      data.labels,
      lossFunction,
      "data",
      lossFunction === "RMSE" ? undefined : classes,
    );
    const { leaves, rows } = this.#leaves(data);
    if (rows !== target.length) throw new Error(`data has ${target.length} labels but ${rows} rows`);
    const full = new Float64Array(rows * outputs);
    for (let row = 0; row < rows; row++) for (let k = 0; k < outputs; k++) full[row * outputs + k] = bias[k]!;
    trees.forEach((tree, t) => {
      const leafOf = leaves[t] as Uint32Array;
      for (let row = 0; row < rows; row++)
        for (let k = 0; k < outputs; k++)
          full[row * outputs + k] = full[row * outputs + k]! + tree.leafValues[leafOf[row]! * outputs + k]!;
    });
    const baseLoss = lossValue(lossFunction, full, target, outputs);
    for (let source = 0; source < names.length; source++) {
      const without = full.slice();
      let touched = false;
      trees.forEach((tree, t) => {
        let mask = 0;
        tree.splits.forEach((split, level) => {
          if (sourceOf[split.feature] === source) mask |= 1 << level;
        });
        if (mask === 0) return;
        touched = true;
        const leafCount = tree.leafValues.length / outputs;
        // Weighted average of the leaves sharing the bits outside `mask`.
        const averaged = new Float64Array(leafCount * outputs);
        const weightOf = new Float64Array(leafCount);
        for (let leaf = 0; leaf < leafCount; leaf++) {
          const key = leaf & ~mask;
          const w = tree.leafWeights ? tree.leafWeights[leaf]! : 1;
          weightOf[key] = weightOf[key]! + w;
          for (let k = 0; k < outputs; k++)
            averaged[key * outputs + k] =
              averaged[key * outputs + k]! + w * tree.leafValues[leaf * outputs + k]!;
        }
        const leafOf = leaves[t] as Uint32Array;
        for (let row = 0; row < rows; row++) {
          const leaf = leafOf[row]!;
          const key = leaf & ~mask;
          const w = weightOf[key]!;
          for (let k = 0; k < outputs; k++) {
            const replacement = w > 0 ? averaged[key * outputs + k]! / w : 0;
            without[row * outputs + k] =
              without[row * outputs + k]! - tree.leafValues[leaf * outputs + k]! + replacement;
          }
        }
      });
      importance[source] = touched ? lossValue(lossFunction, without, target, outputs) - baseLoss : 0;
    }
    return Object.fromEntries(names.map((name, index) => [name, importance[index]!]));
  }
}

export type { FeatureColumns };
