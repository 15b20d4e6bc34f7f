import {
  CTR_BORDER_COUNT,
  type CtrJson,
  type CtrTableJson,
  defaultCtrs,
  maxValueCount,
  orderedBuckets,
  tableBuckets,
  valueIds,
} from "./ctr.ts";
import { encodeLabels, stringColumn, type TrainData } from "./data.ts";
import { histogramModule, WasmMemoryArrays } from "./histogram-wasm.ts";
import { type Bins, LevelRows, ordinaryArrays, SparseSums } from "./histograms.ts";
import { groupFeatures, jointBytesBound } from "./joint-bins.ts";
import { meanLoss, outputCount, writeNewtonStep } from "./loss.ts";
import { evaluateMetrics, type Metric, resolveMetrics } from "./metrics.ts";
import {
  GbdtModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFeatureJson,
  type ModelJson,
  type SplitJson,
  type TokenizedTextJson,
  type TreeJson,
} from "./model.ts";
import { type NanMode, resolveParams, type TrainParams } from "./params.ts";
import { computeBorders, quantizeBins } from "./quantize.ts";
import { blockPermutation, defaultPermutationBlock, mulberry32, normalSource } from "./random.ts";
import { kernel, type SearchFeature, type SearchShared } from "./split-kernel.ts";
import {
  ALONE_ROWS,
  BootedWorkers,
  CONTROL,
  FitThreads,
  groupBins,
  histogramScratchLength,
  keptStores,
  noiseDraws,
  requestedThreads,
  searchSlots,
  searchThreads,
  sharedArrays,
  sharedCopy,
  wasmPassFits,
  wasmPassSetup,
} from "./split-threads.ts";
import {
  type Bags,
  buildDictionary,
  emptyNaiveBayes,
  grams,
  naiveBayesAdd,
  naiveBayesDimensions,
  naiveBayesFeatures,
  resolveTextProcessing,
  toBags,
  tokenize,
} from "./text.ts";

export type { TrainData } from "./data.ts";

/** What `onIteration` gets after every iteration: that iteration's metric values. */
export interface IterationInfo {
  iteration: number;
  learn: Record<string, number>;
  eval?: Record<string, number>;
}

export interface TrainOptions {
  /** Validation data: eval metrics, early stopping (`od_wait`) and the best iteration. */
  eval?: TrainData;
  onIteration?: (info: IterationInfo) => void;
}

export interface TrainResult {
  model: GbdtModel;
  /** Zero-based iteration with the best eval metric (the last one without eval data). */
  bestIteration: number;
  /** Per-iteration metrics named as CatBoost prints them (`MultiClass`, `Accuracy`, `F1:class=0`, …). */
  learnMetrics: Record<string, number[]>;
  evalMetrics?: Record<string, number[]>;
  /** Each metric's own best value over all iterations (CatBoost's get_best_score()). */
  bestScores: { learn: Record<string, number>; eval?: Record<string, number> };
  /** Settings CatBoost would silently ignore or data the engine could not use. */
  warnings: string[];
}

/** Candidate split source: a feature quantized into bins; splits are `bin > b`. */
interface DenseFeature {
  kind: "dense";
  unit: number;
  /** Bins per fold (one entry when the values do not depend on the permutation). */
  learn: Bins[];
  eval: Bins | undefined;
  /** borders[b] is the model border of split `bin > b`. */
  borders: Float64Array;
  /** The model feature (or its index for Float columns). */
  model: ModelFeatureJson | number;
  /** CTRs: the model_size_reg penalty for CTRs not yet in the model, and its key. */
  ctrKey?: string;
  ctrPenalty?: number;
}

/** A categorical feature with few values: splits `value == v`, one per learn value. */
interface OneHotFeature {
  kind: "oneHot";
  unit: number;
  column: number;
  values: string[];
  learn: Uint16Array;
  /** 65535 for values not seen in learn. */
  eval: Uint16Array | undefined;
}

/** A binary feature given by the rows where it is 1 (BoW tokens): split `present`. */
interface SparseFeature {
  kind: "sparse";
  unit: number;
  learn: Uint32Array;
  /** The learn rows where it is 0, when they are fewer (scoring sums the shorter list). */
  learnAbsent: Uint32Array | undefined;
  /** Its index among the sparse features (in SparseSums). */
  ordinal: number;
  eval: Uint32Array | undefined;
  model: ModelFeatureJson;
}

type TrainFeature = DenseFeature | OneHotFeature | SparseFeature;

/** A chosen split: training feature and bin (dense: `bin > b`; one-hot: `value == b`). */
interface Choice {
  feature: number;
  bin: number;
}

const UNSEEN = 0xffff;
/** The score noise's fade factor below which it is left out. */
const NEGLIGIBLE_NOISE = 1e-10;

/** Mixed into the seed of the stream that samples values for borders (not the fit's main stream). */
const BORDER_SAMPLE_SEED = 0x5bd1e995;

function checkNumeric(
  data: TrainData,
  names: readonly string[],
  rows: number,
  what: string,
  nanMode: NanMode,
): Float64Array[] {
  return names.map((name) => {
    const column = data.features?.[name];
    if (!column) throw new Error(`${what} data lacks feature ${JSON.stringify(name)}`);
    if (column.length !== rows)
      throw new Error(
        `${what} feature ${JSON.stringify(name)} has ${column.length} rows but there are ${rows} labels`,
      );
    if (nanMode === "Forbidden") {
      const missing = column.findIndex((value) => Number.isNaN(value));
      if (missing >= 0)
        throw new Error(
          `${what} feature ${JSON.stringify(name)} is missing (NaN) at row ${missing} and nan_mode is Forbidden`,
        );
    }
    return column;
  });
}

function checkNames(given: string[] | undefined, actual: string[], param: string, kind: string): void {
  if (!given) return;
  const missing = given.filter((name) => !actual.includes(name));
  const extra = actual.filter((name) => !given.includes(name));
  if (missing.length === 0 && extra.length === 0) return;
  const parts = [
    missing.length > 0
      ? `not ${kind} columns of the data: ${missing.map((n) => JSON.stringify(n)).join(", ")}`
      : "",
    extra.length > 0 ? `${kind} columns not listed: ${extra.map((n) => JSON.stringify(n)).join(", ")}` : "",
  ].filter(Boolean);
  throw new Error(
    `${param} ${JSON.stringify(given)} does not match the ${kind} columns given (${JSON.stringify(actual)}): ${parts.join("; ")}`,
  );
}

/** Rows of each token id < `top` in CSR bags: a posting list per token. */
function postings(bags: Bags, rows: number, top: number): Uint32Array[] {
  const sizes = new Uint32Array(top);
  for (let at = 0; at < bags.ids.length; at++) if (bags.ids[at]! < top) sizes[bags.ids[at]!]!++;
  const lists = Array.from(sizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(top);
  for (let row = 0; row < rows; row++)
    for (let at = bags.offsets[row]!; at < bags.offsets[row + 1]!; at++) {
      const id = bags.ids[at]!;
      if (id < top) (lists[id] as Uint32Array)[filled[id]!++] = row;
    }
  return lists;
}

/** The rows (of `rows`) not in the ascending list `present`, when they are fewer than it. */
function absentRows(present: Uint32Array, rows: number): Uint32Array | undefined {
  if (present.length * 2 <= rows) return undefined;
  const absent = new Uint32Array(rows - present.length);
  let at = 0;
  let next = 0;
  for (let row = 0; row < rows; row++) {
    if (at < present.length && present[at] === row) at++;
    else absent[next++] = row;
  }
  return absent;
}

/** Each learn row's sparse features (ordinals) as CSR lists: the rows each feature is summed over. */
function sparseRowLists(features: readonly TrainFeature[], rows: number): [Uint32Array, Uint32Array] {
  const sparse = features.filter((feature): feature is SparseFeature => feature.kind === "sparse");
  const listOf = (feature: SparseFeature) => feature.learnAbsent ?? feature.learn;
  const offsets = new Uint32Array(rows + 1);
  for (const feature of sparse) for (const row of listOf(feature)) offsets[row + 1]!++;
  for (let row = 0; row < rows; row++) offsets[row + 1] = offsets[row + 1]! + offsets[row]!;
  const filled = offsets.slice(0, rows);
  const ordinals = new Uint32Array(offsets[rows]!);
  for (const feature of sparse) for (const row of listOf(feature)) ordinals[filled[row]!++] = feature.ordinal;
  return [offsets, ordinals];
}

/** A training feature as the split search sees it (split-kernel.ts). */
function searchFeatureOf(feature: TrainFeature): SearchFeature {
  const none = {
    sparseOrdinal: -1,
    sparseAbsent: false,
    sparseRows: new Uint32Array(0),
    binsOnWasm: false,
    binGroups: [],
    jointSize: 0,
    jointBins: [],
    jointCombos: new Uint8Array(0),
  };
  const evalValues = feature.eval ?? new Uint32Array(0);
  if (feature.kind === "dense")
    return { kind: 0, bins: feature.learn, binCount: feature.borders.length + 1, ...none, evalValues };
  if (feature.kind === "oneHot")
    return { kind: 1, bins: [feature.learn], binCount: feature.values.length, ...none, evalValues };
  return {
    kind: 2,
    bins: [],
    binCount: 2,
    ...none,
    sparseOrdinal: feature.ordinal,
    sparseAbsent: feature.learnAbsent !== undefined,
    sparseRows: feature.learn,
    evalValues,
  };
}

/**
 * Moves the features' bins and rows where the jobs read them: dense features' Uint8 learn and
 * eval bins and one-hot features' learn value ids (as Uint8) onto the wasm memory of the hot
 * loops when there is one (`wasmArrays`), and with worker threads (`threaded`) the other learn
 * and eval bins and rows onto shared memory.
 */
function placeBins(
  features: TrainFeature[],
  searchFeatures: SearchFeature[],
  threaded: boolean,
  wasmArrays: WasmMemoryArrays | undefined,
): void {
  const onWasm = (arrays: WasmMemoryArrays, bins: Bins | Uint32Array): Uint8Array => {
    const copy = arrays.uint8(bins.length);
    copy.set(bins);
    return copy;
  };
  features.forEach((feature, index) => {
    const search = searchFeatures[index] as SearchFeature;
    const dense = feature.kind === "dense";
    if (wasmArrays && dense && feature.learn.every((bins) => bins instanceof Uint8Array)) {
      // Learn and eval bins (the same type: the same bin count).
      feature.learn = feature.learn.map((bins) => onWasm(wasmArrays, bins));
      if (feature.eval) feature.eval = onWasm(wasmArrays, feature.eval);
      search.evalValues = feature.eval ?? search.evalValues;
      search.bins = feature.learn;
      search.binsOnWasm = true;
      return;
    }
    if (threaded && feature.eval) {
      feature.eval = sharedCopy(feature.eval);
      search.evalValues = feature.eval;
    }
    if (dense) {
      if (threaded) feature.learn = feature.learn.map(sharedCopy);
      search.bins = feature.learn;
    } else if (feature.kind === "oneHot" && wasmArrays && feature.values.length <= 256) {
      // Its value ids are the bins of its histogram: as Uint8 on the wasm memory too.
      search.bins = [onWasm(wasmArrays, feature.learn)];
      search.binsOnWasm = true;
    } else if (!threaded) return;
    else if (feature.kind === "oneHot") {
      feature.learn = sharedCopy(feature.learn);
      search.bins = [feature.learn];
    } else {
      feature.learn = sharedCopy(feature.learn);
      search.sparseRows = feature.learn;
    }
  });
}

/**
 * Trains a CatBoost-style gradient-boosted ensemble of symmetric trees (Plain boosting) on
 * numeric, categorical and text columns: numeric columns quantized; categorical ones one-hot
 * (≤ one_hot_max_size values) or turned into ordered CTRs; text into BoW and NaiveBayes
 * features; histograms per level, one split per level chosen by CatBoost's Cosine score on
 * bootstrap-weighted gradients plus `random_strength` noise that fades over the iterations;
 * Newton leaf values on all rows with `l2_leaf_reg`; metrics per iteration and early stopping on
 * `options.eval` after `od_wait` rounds without improvement of the eval metric.
 */
export function train(
  data: TrainData,
  givenParams: Readonly<Record<string, unknown>> = {},
  options: TrainOptions = {},
): TrainResult {
  const params: TrainParams = resolveParams(givenParams);
  // The worker threads boot while the main thread prepares the fit (split-threads.ts).
  const learnRows = Array.isArray(data.labels) || ArrayBuffer.isView(data.labels) ? data.labels.length : 0;
  const booted = new BootedWorkers(requestedThreads(params.thread_count, learnRows) - 1);
  try {
    return fit(data, params, options, booted);
  } finally {
    void booted.terminate();
  }
}

/** {@link train} with its parameters resolved, its worker threads taken from `booted`. */
function fit(
  data: TrainData,
  params: TrainParams,
  options: TrainOptions,
  booted: BootedWorkers,
): TrainResult {
  const warnings: string[] = [...(params.text_processing?.warnings ?? [])];
  const nanMode = params.nan_mode;
  const featureNames = Object.keys(data.features ?? {});
  const catNames = Object.keys(data.categorical ?? {});
  const textNames = Object.keys(data.text ?? {});
  if (featureNames.length + catNames.length + textNames.length === 0) throw new Error("no feature columns");
  const allNames = [...featureNames, ...catNames, ...textNames];
  const duplicate = allNames.find((name, index) => allNames.indexOf(name) !== index);
  if (duplicate !== undefined)
    throw new Error(
      `column ${JSON.stringify(duplicate)} is given twice (numeric, categorical, text names must differ)`,
    );
  checkNames(params.cat_features, catNames, "cat_features", "categorical");
  checkNames(params.text_features, textNames, "text_features", "text");

  const lossName = params.loss_function;
  const isClassifier = lossName !== "RMSE";
  const rows = data.labels.length;
  if (rows === 0) throw new Error("training data is empty");
  const columns = checkNumeric(data, featureNames, rows, "training", nanMode);
  const catColumns = catNames.map((name) =>
    stringColumn(data.categorical?.[name], "categorical feature", name, rows, "training"),
  );
  const textColumns = textNames.map((name) =>
    stringColumn(data.text?.[name], "text feature", name, rows, "training"),
  );
  const { target, classes } = encodeLabels(data.labels, lossName, "training");
  const outputs = outputCount(lossName, classes.length);

  const evalData = options.eval;
  let evalRows = 0;
  let evalTarget: Float64Array | undefined;
  let evalColumns: Float64Array[] = [];
  let evalCat: (readonly string[])[] = [];
  let evalText: (readonly string[])[] = [];
  if (evalData) {
    evalRows = evalData.labels.length;
    if (evalRows === 0) throw new Error("eval data is empty");
    evalColumns = checkNumeric(evalData, featureNames, evalRows, "eval", nanMode);
    evalCat = catNames.map((name) =>
      stringColumn(evalData.categorical?.[name], "categorical feature", name, evalRows, "eval"),
    );
    evalText = textNames.map((name) =>
      stringColumn(evalData.text?.[name], "text feature", name, evalRows, "eval"),
    );
    evalTarget = encodeLabels(evalData.labels, lossName, "eval", isClassifier ? classes : undefined).target;
  }

  // Metrics: the loss, the eval metric, then custom metrics, as CatBoost lists them.
  const evalMetricList = resolveMetrics([params.eval_metric ?? lossName], lossName, classes, "eval_metric");
  if (evalMetricList.length !== 1)
    throw new Error(
      `invalid eval_metric ${JSON.stringify(params.eval_metric)}: it expands to ${evalMetricList.length} metrics (${evalMetricList
        .map((metric) => metric.name)
        .join(", ")}); name one of them or use TotalF1`,
    );
  const evalMetric = evalMetricList[0] as Metric;
  const metrics = resolveMetrics(
    [lossName, evalMetric.name, ...params.custom_metric],
    lossName,
    classes,
    "custom_metric",
  );
  const evalMetricIndex = metrics.findIndex((metric) => metric.name === evalMetric.name);
  const learnMetricList = metrics.filter((metric) => !metric.skipTrain);

  const next = mulberry32(params.random_seed);
  const gaussian = normalSource(next);
  const features: TrainFeature[] = [];
  let units = 0;

  // Numeric columns. (One scratch for every column's border search.) Above 200,000 learn values
  // borders are computed on a sample of them, drawn from a stream of their own (quantize.ts).
  const bordersScratch = new Float64Array(rows);
  const borderSample = mulberry32(params.random_seed ^ BORDER_SAMPLE_SEED);
  columns.forEach((column, index) => {
    const borders = computeBorders(column, params.border_count, nanMode, bordersScratch, borderSample);
    features.push({
      kind: "dense",
      unit: units++,
      learn: [quantizeBins(column, borders, nanMode)],
      eval: evalData ? quantizeBins(evalColumns[index] as Float64Array, borders, nanMode) : undefined,
      borders,
      model: index,
    });
  });

  // Categorical columns: value ids over the sorted learn values.
  const catValues = catColumns.map((column) => [...new Set(column)].sort());
  const catPositions = catValues.map((values) => new Map(values.map((value, id) => [value, id])));
  const catIds = catColumns.map((column, index) =>
    valueIds(column, catPositions[index] as Map<string, number>),
  );
  const evalCatIds = evalCat.map((column, index) =>
    valueIds(column, catPositions[index] as Map<string, number>),
  );
  const ctrColumns: number[] = [];
  catNames.forEach((name, index) => {
    const count = (catValues[index] as string[]).length;
    if (count <= 1)
      warnings.push(`categorical feature ${JSON.stringify(name)} has a single value on learn; ignored`);
    else if (count > params.one_hot_max_size) ctrColumns.push(index);
  });
  const hasCtrs = ctrColumns.length > 0;

  // Folds: with CTRs, max(1, permutation_count − 1) learning folds (the first in data order, the
  // others shuffled) and a shuffled averaging fold; without, one fold in data order.
  const learningFolds = hasCtrs ? Math.max(1, params.permutation_count - 1) : 1;
  const identity = new Uint32Array(rows);
  for (let row = 0; row < rows; row++) identity[row] = row;
  const orders: Uint32Array[] = [identity];
  const block = defaultPermutationBlock(rows);
  for (let fold = 1; fold < learningFolds; fold++) orders.push(blockPermutation(rows, block, next));
  if (hasCtrs) orders.push(blockPermutation(rows, block, next));
  const averagingFold = orders.length - 1;

  // One-hot columns.
  catNames.forEach((_, index) => {
    const values = catValues[index] as string[];
    if (values.length <= 1 || values.length > params.one_hot_max_size) return;
    features.push({
      kind: "oneHot",
      unit: units++,
      column: index,
      values,
      learn: Uint16Array.from(catIds[index] as Int32Array),
      eval: evalData
        ? Uint16Array.from(evalCatIds[index] as Int32Array, (id) => (id < 0 ? UNSEEN : id))
        : undefined,
    });
  });

  // CTR columns: tables over the full learn set, ordered statistics per fold for learn rows.
  let ctrTargets: Uint16Array;
  let targetClasses: number;
  if (isClassifier) {
    ctrTargets = Uint16Array.from(target);
    targetClasses = classes.length;
  } else {
    const sorted = target.slice().sort();
    const median = ((sorted[(rows - 1) >> 1] as number) + (sorted[rows >> 1] as number)) / 2;
    ctrTargets = Uint16Array.from(target, (value) => (value > median ? 1 : 0));
    targetClasses = 2;
  }
  const ctrTables: CtrTableJson[] = [];
  const maxUnique = Math.max(1, ...ctrColumns.map((column) => (catValues[column] as string[]).length));
  const ctrBorders = Float64Array.from({ length: CTR_BORDER_COUNT }, (_, b) => b);
  for (const column of ctrColumns) {
    const values = catValues[column] as string[];
    const ids = catIds[column] as Int32Array;
    const counts = new Uint32Array(values.length * targetClasses);
    for (let row = 0; row < rows; row++) counts[ids[row]! * targetClasses + ctrTargets[row]!]!++;
    const table = ctrTables.length;
    ctrTables.push({ column, values, targetClasses, counts: Array.from(counts) });
    const maxCount = maxValueCount(counts, targetClasses);
    const ctrs = defaultCtrs(table, targetClasses);
    const borderCtrs = ctrs.filter((ctr) => ctr.ctrType === "Borders");
    const perFold = orders.map((order) =>
      orderedBuckets(ids, ctrTargets, targetClasses, values.length, order, borderCtrs),
    );
    const unit = units++;
    const penalty = (1 + values.length / maxUnique) ** -params.model_size_reg;
    ctrs.forEach((ctr: CtrJson) => {
      const borderIndex = borderCtrs.indexOf(ctr);
      features.push({
        kind: "dense",
        unit,
        learn:
          borderIndex >= 0
            ? perFold.map((buckets) => buckets[borderIndex] as Uint8Array)
            : [tableBuckets(ids, counts, targetClasses, ctr, maxCount)],
        eval: evalData
          ? tableBuckets(evalCatIds[column] as Int32Array, counts, targetClasses, ctr, maxCount)
          : undefined,
        borders: ctrBorders,
        model: { type: "Ctr", ...ctr },
        ctrKey: `${table}:${ctr.ctrType}`,
        ctrPenalty: penalty,
      });
    });
  }

  // Text columns: dictionaries on learn, BoW (sparse) and NaiveBayes (ordered per fold) features.
  const tokenizedTexts: TokenizedTextJson[] = [];
  let sparseCount = 0;
  if (textNames.length > 0) {
    const specs = resolveTextProcessing(params.text_processing, textNames, isClassifier, rows);
    const tokenCache = new Map<string, { learn: string[][]; eval: string[][] }>();
    for (const spec of specs) {
      const key = `${spec.column}\u0000${spec.tokenizer.id}`;
      let tokens = tokenCache.get(key);
      if (!tokens) {
        tokens = {
          learn: (textColumns[spec.column] as readonly string[]).map((text) =>
            tokenize(text, spec.tokenizer),
          ),
          eval: (evalText[spec.column] ?? []).map((text) => tokenize(text, spec.tokenizer)),
        };
        tokenCache.set(key, tokens);
      }
      const learnGrams = tokens.learn.map((list) => grams(list, spec.dictionary.gramOrder));
      const dictionary = buildDictionary(
        learnGrams,
        spec.dictionary.occurrenceLowerBound,
        spec.dictionary.maxDictionarySize,
      );
      const where = `text feature ${JSON.stringify(textNames[spec.column])} (tokenizer ${spec.tokenizer.id}, dictionary ${spec.dictionary.id})`;
      if (dictionary.length === 0) {
        warnings.push(
          `${where}: no token occurs at least ${spec.dictionary.occurrenceLowerBound} times on learn; no features`,
        );
        continue;
      }
      const index = new Map(dictionary.map((token, id) => [token, id]));
      const learnBags = toBags(learnGrams, index);
      const evalBags = evalData
        ? toBags(
            tokens.eval.map((list) => grams(list, spec.dictionary.gramOrder)),
            index,
          )
        : undefined;
      const text = tokenizedTexts.length;
      const tokenized: TokenizedTextJson = {
        column: spec.column,
        tokenizer: spec.tokenizer,
        dictionary: { id: spec.dictionary.id, gramOrder: spec.dictionary.gramOrder, tokens: dictionary },
      };
      tokenizedTexts.push(tokenized);
      if (spec.bow > 0) {
        const top = Math.min(spec.bow, dictionary.length);
        const learnLists = postings(learnBags, rows, top);
        const evalLists = evalBags ? postings(evalBags, evalRows, top) : undefined;
        for (let token = 0; token < top; token++)
          features.push({
            kind: "sparse",
            unit: units++,
            learn: learnLists[token] as Uint32Array,
            learnAbsent: absentRows(learnLists[token] as Uint32Array, rows),
            ordinal: sparseCount++,
            eval: evalLists?.[token],
            model: { type: "BoW", text, token },
          });
      }
      if (spec.naiveBayes) {
        const dimensions = naiveBayesDimensions(classes.length);
        let state = emptyNaiveBayes(classes.length, dictionary.length);
        const scratch = new Float64Array(classes.length);
        const perFold = orders.map((order) => {
          state = emptyNaiveBayes(classes.length, dictionary.length);
          const seen = new Uint8Array(dictionary.length);
          const values = new Float64Array(rows * dimensions);
          for (let position = 0; position < rows; position++) {
            const row = order[position]!;
            const start = learnBags.offsets[row]!;
            const end = learnBags.offsets[row + 1]!;
            naiveBayesFeatures(
              state,
              learnBags.ids,
              learnBags.counts,
              start,
              end,
              scratch,
              values,
              row * dimensions,
            );
            naiveBayesAdd(state, seen, target[row]!, learnBags.ids, learnBags.counts, start, end);
          }
          return values;
        });
        // The state after all learn rows is the same for every order: the model's.
        tokenized.naiveBayes = {
          classDocs: Array.from(state.classDocs),
          classTokens: Array.from(state.classTokens),
          seenTokens: state.seenTokens,
          counts: Array.from(state.counts),
        };
        let evalValues: Float64Array | undefined;
        if (evalBags) {
          evalValues = new Float64Array(evalRows * dimensions);
          for (let row = 0; row < evalRows; row++)
            naiveBayesFeatures(
              state,
              evalBags.ids,
              evalBags.counts,
              evalBags.offsets[row]!,
              evalBags.offsets[row + 1]!,
              scratch,
              evalValues,
              row * dimensions,
            );
        }
        const unit = units++;
        const column = (values: Float64Array, count: number, dimension: number) =>
          Float64Array.from({ length: count }, (_, row) => values[row * dimensions + dimension] as number);
        for (let dimension = 0; dimension < dimensions; dimension++) {
          const averaging = column(perFold[averagingFold] as Float64Array, rows, dimension);
          const borders = computeBorders(averaging, params.border_count, "Min", bordersScratch, borderSample);
          features.push({
            kind: "dense",
            unit,
            learn: perFold.map((values) => quantizeBins(column(values, rows, dimension), borders)),
            eval: evalValues ? quantizeBins(column(evalValues, evalRows, dimension), borders) : undefined,
            borders,
            model: { type: "NaiveBayes", text, dimension },
          });
        }
      }
    }
  }
  const unitFeatures: number[][] = Array.from({ length: units }, () => []);
  features.forEach((feature, index) => {
    unitFeatures[feature.unit]?.push(index);
  });

  // Model features: the numeric columns first, then derived features as splits first use them.
  const modelFeatures: ModelFeatureJson[] = featureNames.map((_, column) => ({ type: "Float", column }));
  const modelFeatureIndex = new Map<string, number>();
  const modelFeatureOf = (feature: TrainFeature, bin: number): SplitJson => {
    let json: ModelFeatureJson;
    let border: number;
    if (feature.kind === "dense") {
      border = feature.borders[bin] as number;
      if (typeof feature.model === "number") return { feature: feature.model, border };
      json = feature.model;
    } else if (feature.kind === "oneHot") {
      json = { type: "OneHot", column: feature.column, value: feature.values[bin] as string };
      border = 0.5;
    } else {
      json = feature.model;
      border = 0.5;
    }
    const key = JSON.stringify(json);
    let index = modelFeatureIndex.get(key);
    if (index === undefined) {
      index = modelFeatures.length;
      modelFeatures.push(json);
      modelFeatureIndex.set(key, index);
    }
    return { feature: index, border };
  };

  // What the threads' jobs read and write, on shared memory when worker threads take part
  // (split-kernel.ts): everything per learn row.
  const searchFeatures = features.map(searchFeatureOf);
  const threads = searchThreads(params.thread_count, rows, searchFeatures);
  // The hot loops in WebAssembly where they run (histogram-wasm.ts), on one memory that holds what
  // they read and write (split-kernel.ts's WasmPassSetup); else the kernel's JavaScript loops.
  // Whether they fit is asked before the features are grouped (joint-bins.ts): with room for any
  // groups there can be (a joint histogram a level uses has at most two cells per learn row).
  const hessianSize = kernel.hessianSize(kernel.LOSS[lossName], outputs);
  const jointBytes = jointBytesBound(searchFeatures, rows);
  const fitSize = {
    rows,
    evalRows,
    depth: params.depth,
    outputs,
    hessianSize,
    threads,
    scratchLength: Math.max(
      histogramScratchLength(searchFeatures, rows, params.depth, outputs),
      jointBytes > 0 ? Math.min(2 * rows, kernel.maxLeaves(params.depth) * 256) * (outputs + 1) : 0,
    ),
    jointBytes,
  };
  const wasmModule = wasmPassFits(searchFeatures, fitSize) ? histogramModule() : undefined;
  const wasmArrays = wasmModule ? WasmMemoryArrays.make() : undefined;
  placeBins(features, searchFeatures, threads > 1, wasmArrays);
  groupFeatures(
    searchFeatures,
    features.map((feature) => feature.unit),
    rows,
    wasmModule && wasmArrays
      ? {
          arrays: wasmArrays,
          combine: new WebAssembly.Instance(wasmModule, { env: { memory: wasmArrays.memory } }).exports
            .combine as (...args: number[]) => number,
        }
      : undefined,
  );
  const scratchLength = histogramScratchLength(searchFeatures, rows, params.depth, outputs);
  const arrays = threads > 1 ? sharedArrays : ordinaryArrays;
  // What the hot loops read and write: on their wasm memory when they run in WebAssembly.
  const hotArrays = wasmArrays ?? arrays;
  groupBins(searchFeatures, rows, params.depth, hotArrays);
  const bias = new Array<number>(outputs).fill(0);
  if (lossName === "RMSE") bias[0] = target.reduce((sum, value) => sum + value, 0) / rows;
  const raw = hotArrays.float64(rows * outputs);
  for (let row = 0; row < rows; row++) for (let k = 0; k < outputs; k++) raw[row * outputs + k] = bias[k]!;
  const evalRaw = hotArrays.float64(evalRows * outputs);
  for (let row = 0; row < evalRows; row++)
    for (let k = 0; k < outputs; k++) evalRaw[row * outputs + k] = bias[k]!;
  const learnTarget = hotArrays.float64(rows);
  learnTarget.set(target);
  const sharedEvalTarget = hotArrays.float64(evalRows);
  if (evalTarget) sharedEvalTarget.set(evalTarget);
  const gradient = hotArrays.float64(rows * outputs);
  const hessian = hotArrays.float64(rows * hessianSize);
  const weighted = hotArrays.float64(rows * outputs);
  const bootstrap = hotArrays.float64(rows);
  const leafOf = hotArrays.uint32(rows);
  const averagingLeafOf = hotArrays.uint32(rows);
  const evalLeafOf = hotArrays.uint32(evalRows);
  // Each level's rows and per-leaf totals, and the sparse features' sums (histograms.ts).
  const levelRows = new LevelRows(rows, outputs, params.depth, hotArrays);
  const sparseSums = new SparseSums(outputs, sparseCount, ...sparseRowLists(features, rows), levelRows);
  const shared: SearchShared = {
    rows,
    outputs,
    depth: params.depth,
    features: searchFeatures,
    wasm:
      wasmModule && wasmArrays
        ? wasmPassSetup(wasmModule, wasmArrays, threads, scratchLength, params.depth, outputs)
        : undefined,
    kept: keptStores(searchFeatures, rows, params.depth, outputs, hotArrays),
    leafOf,
    bootstrap,
    bootstrapType: kernel.BOOTSTRAP[params.bootstrap_type],
    baggingTemperature: params.bagging_temperature,
    subsample: params.subsample,
    weighted,
    ...levelRows.sharedArrays(),
    raw,
    target: learnTarget,
    gradient,
    hessian,
    hessianSize,
    averagingLeafOf,
    evalRows,
    evalLeafOf,
    evalRaw,
    evalTarget: sharedEvalTarget,
    ...searchSlots(
      {
        features: features.length,
        noiseDraws: searchFeatures.reduce((sum, f) => sum + noiseDraws(f), 0),
        threads,
        rows,
        evalRows,
        outputs,
        hessianSize,
        depth: params.depth,
      },
      arrays,
      hotArrays,
    ),
  };
  const { control } = shared;
  const fitThreads = new FitThreads(shared, sparseSums, booted);
  // A tree's jobs: on every thread once the workers have booted (asked before each tree), on the
  // main thread alone until then; the list and split jobs alone on small data (a hand-over costs
  // more).
  let together = fitThreads.workersReady();
  const runJob = (job: "SEARCH" | "WEIGH" | "TREE" | "UPDATE", beforeOwn?: () => void) =>
    together ? fitThreads.run(job, beforeOwn) : fitThreads.runAlone(job, beforeOwn);
  const runRowJob = (job: "LIST" | "SPLIT") =>
    together && rows > ALONE_ROWS ? fitThreads.run(job) : fitThreads.runAlone(job);
  const lambda = Math.max(params.l2_leaf_reg, 1e-20);
  // Each leaf's sums and its Newton system's scratch (writeNewtonStep).
  const leafGradient = new Float64Array(outputs);
  const leafHessian = new Float64Array(hessianSize);
  const newtonScratch = new Float64Array(outputs * outputs);
  const usedCtrs = new Set<string>();
  const learnMetrics: Record<string, number[]> = Object.fromEntries(learnMetricList.map((m) => [m.name, []]));
  const evalMetrics: Record<string, number[]> | undefined = evalData
    ? Object.fromEntries(metrics.map((m) => [m.name, []]))
    : undefined;
  const trees: TreeJson[] = [];
  let bestIteration = 0;
  let bestValue = evalMetric.higherIsBetter ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;

  const blocks = Math.ceil(rows / kernel.blockRows(params.depth));
  /** Σ over the blocks, in block order, of `values[block × stride + offset]`. */
  const sumBlocks = (values: Float64Array, stride: number, offset: number): number => {
    let sum = 0;
    for (let block = 0; block < blocks; block++) sum += values[block * stride + offset]!;
    return sum;
  };
  control[CONTROL.LOSS] = kernel.LOSS[lossName];
  // The update job sums the eval loss per block (on every thread) when an eval metric is the loss.
  control[CONTROL.EVAL_LOSS] = metrics.some((metric) => metric.loss === lossName) ? 1 : 0;
  try {
    // The first tree's derivatives; each tree's update job, which adds its leaf values, gives the
    // next one's and the learn loss of the outputs so far.
    control[CONTROL.ADD_LEAVES] = 0;
    runJob("UPDATE");
    for (let iteration = 0; iteration < params.iterations; iteration++) {
      together = fitThreads.workersReady();
      const fold = learningFolds > 1 ? Math.floor(next() * learningFolds) : 0;
      // Bootstrap weights, redrawn per tree, used for split scoring only (leaves use all rows):
      // the next `rows` draws of the random stream, one per row in row order, which the weigh job
      // draws on every thread from the state before them. It weights the gradients, sums per block
      // and counts each thread's rows with weight ≠ 0, which level 0 lists.
      if (params.bootstrap_type !== "No") {
        control[CONTROL.BOOTSTRAP_STATE] = next.state() | 0;
        next.skip(rows);
      }
      runJob("WEIGH");
      const weightSum = sumBlocks(shared.blockSums, 2, 0);
      const squaredGradient = sumBlocks(shared.blockSums, 2, 1);
      shared.scaledL2[0] = lambda * (weightSum / rows);
      // CatBoost's score noise: the RMS of the gradients before the bootstrap, at full strength
      // early, fading once iteration × lr exceeds ln(rows).
      const modelSize = Math.exp(Math.log(rows) - iteration * params.learning_rate);
      // Once the fade factor is below 1e-10 the noise only moves scores' last digits: it is left
      // out (no draws), which makes the late iterations cheaper.
      const fade = modelSize / (1 + modelSize);
      const noiseScale =
        fade < NEGLIGIBLE_NOISE ? 0 : params.random_strength * Math.sqrt(squaredGradient / rows) * fade;

      leafOf.fill(0);
      levelRows.startTree();
      control[CONTROL.FOLD] = fold;
      const choices: Choice[] = [];
      for (let level = 0; level < params.depth; level++) {
        // The rows the level's histograms sum (histograms.ts), listed by each thread for its own
        // rows, after the rows of the threads before it: the smaller side of the last split.
        let smallIsHigh = false;
        if (level > 0) {
          let high = 0;
          let low = 0;
          for (let thread = 0; thread < threads; thread++) {
            high += shared.rangeHigh[thread]!;
            low += shared.rangeLow[thread]!;
          }
          smallIsHigh = high < low;
        }
        let listed = 0;
        for (let thread = 0; thread < threads; thread++) {
          shared.rangeAt[thread] = listed;
          listed += smallIsHigh ? shared.rangeHigh[thread]! : shared.rangeLow[thread]!;
        }
        levelRows.begin(level, smallIsHigh);
        control[CONTROL.LEVEL] = level;
        control[CONTROL.SMALL_IS_HIGH] = smallIsHigh ? 1 : 0;
        runRowJob("LIST");
        levelRows.finish(listed);
        const tried: number[] = [];
        for (let unit = 0; unit < units; unit++)
          if (params.rsm >= 1 || next() <= params.rsm) tried.push(unit);
        if (tried.length === 0 && units > 0) tried.push(Math.floor(next() * units));
        // The candidates, their CTR penalties and their noise, drawn here in candidate order: the
        // same draws whichever thread scores a feature.
        let candidateCount = 0;
        let draws = 0;
        for (const unit of tried)
          for (const index of unitFeatures[unit] as number[]) {
            const feature = features[index] as TrainFeature;
            shared.candidates[candidateCount] = index;
            shared.noiseAt[candidateCount] = draws;
            shared.penalty[candidateCount] =
              feature.kind === "dense" && feature.ctrKey !== undefined && !usedCtrs.has(feature.ctrKey)
                ? (feature.ctrPenalty as number)
                : 1;
            candidateCount++;
            draws += noiseDraws(searchFeatures[index] as SearchFeature);
          }
        // The threads draw each candidate's noise where it lies in the random stream.
        if (noiseScale > 0) {
          const start = gaussian.skip(draws);
          shared.noiseStart.set([start.state, start.spare, noiseScale]);
        }
        control[CONTROL.COUNT] = levelRows.count;
        control[CONTROL.STAMP] = levelRows.stamp;
        control[CONTROL.CANDIDATES] = candidateCount;
        kernel.planBatches(shared, candidateCount, 1 << level);
        control[CONTROL.NOISE] = noiseScale > 0 ? 1 : 0;
        runJob("SEARCH", () => {
          if (sparseCount > 0) sparseSums.build();
        });
        // The per-feature winners compared in candidate order, each with a fresh draw.
        let best = { score: Number.NEGATIVE_INFINITY, feature: -1, bin: -1 };
        for (let candidate = 0; candidate < candidateCount; candidate++) {
          const index = shared.candidates[candidate]!;
          const featureDraws = noiseDraws(searchFeatures[index] as SearchFeature);
          if (featureDraws === 0) continue;
          const compared =
            shared.bestScore[candidate]! +
            (noiseScale > 0 ? shared.noise[shared.noiseAt[candidate]! + featureDraws - 1]! : 0);
          if (shared.bestBin[candidate]! >= 0 && compared > best.score)
            best = { score: compared, feature: index, bin: shared.bestBin[candidate]! };
        }
        if (best.feature < 0) break;
        const choice = { feature: best.feature, bin: best.bin };
        // Each thread splits its rows and counts their sides (for the next level's list).
        control[CONTROL.SPLIT_FEATURE] = choice.feature;
        control[CONTROL.SPLIT_BIN] = choice.bin;
        runRowJob("SPLIT");
        choices.push(choice);
      }

      // Leaf values on the averaging fold (its CTR/NaiveBayes values decide the leaves), all rows:
      // the tree job finds the rows' leaves there (and the eval rows'), then sums per block and
      // leaf the rows, Σ gradient and Σ hessian.
      choices.forEach((choice, level) => {
        shared.treeSplits[level * 2] = choice.feature;
        shared.treeSplits[level * 2 + 1] = choice.bin;
      });
      const leafCount = 1 << choices.length;
      control[CONTROL.TREE_LEVELS] = choices.length;
      control[CONTROL.AVERAGING_FOLD] = fold !== averagingFold ? averagingFold : -1;
      control[CONTROL.LEAF_ROWS] = fold !== averagingFold ? 1 : 0;
      control[CONTROL.LEAF_COUNT] = leafCount;
      runJob("TREE");
      const blockSize = leafCount * (1 + outputs + hessianSize);
      const leafWeights = Array.from({ length: leafCount }, (_, leaf) =>
        sumBlocks(shared.blockLeaves, blockSize, leaf),
      );
      const leafValues = new Array<number>(leafCount * outputs).fill(0);
      for (let leaf = 0; leaf < leafCount; leaf++) {
        for (let k = 0; k < outputs; k++)
          leafGradient[k] = sumBlocks(shared.blockLeaves, blockSize, leafCount + leaf * outputs + k);
        for (let entry = 0; entry < hessianSize; entry++)
          leafHessian[entry] = sumBlocks(
            shared.blockLeaves,
            blockSize,
            leafCount * (1 + outputs) + leaf * hessianSize + entry,
          );
        writeNewtonStep(
          leafGradient,
          leafHessian,
          lambda,
          -params.learning_rate,
          leafValues,
          leaf * outputs,
          newtonScratch,
        );
      }
      const splits = choices.map((choice) => {
        const feature = features[choice.feature] as TrainFeature;
        if (feature.kind === "dense" && feature.ctrKey !== undefined) usedCtrs.add(feature.ctrKey);
        return modelFeatureOf(feature, choice.bin);
      });
      trees.push({ splits, leafValues, leafWeights });
      shared.leafValues.set(leafValues);
      control[CONTROL.ADD_LEAVES] = 1;
      runJob("UPDATE");
      const learnLoss = meanLoss(lossName, sumBlocks(shared.blockLoss, 1, 0), rows, outputs);
      const learnValues = evaluateMetrics(learnMetricList, raw, target, outputs, {
        loss: lossName,
        value: learnLoss,
      });
      const learn = Object.fromEntries(
        learnMetricList.map((metric, index) => [metric.name, learnValues[index] as number]),
      );
      for (const metric of learnMetricList) learnMetrics[metric.name]?.push(learn[metric.name] as number);
      let stop = false;
      let evalRecord: Record<string, number> | undefined;
      if (evalData && evalTarget && evalMetrics) {
        // The update job added the tree's leaf values to evalRaw.
        // The update job summed the eval loss per block of eval rows: their sum in block order.
        const evalLoss = shared.blockEvalLoss.reduce((sum, value) => sum + value, 0);
        const values = evaluateMetrics(metrics, evalRaw, sharedEvalTarget, outputs, {
          loss: lossName,
          value: meanLoss(lossName, evalLoss, evalRows, outputs),
        });
        evalRecord = Object.fromEntries(
          metrics.map((metric, index) => [metric.name, values[index] as number]),
        );
        for (const metric of metrics) evalMetrics[metric.name]?.push(evalRecord[metric.name] as number);
        const value = values[evalMetricIndex] as number;
        if (evalMetric.higherIsBetter ? value > bestValue : value < bestValue) {
          bestValue = value;
          bestIteration = iteration;
        } else if (params.od_wait > 0 && iteration - bestIteration >= params.od_wait) {
          stop = true;
        }
      } else {
        bestIteration = iteration;
      }
      options.onIteration?.({ iteration, learn, ...(evalRecord ? { eval: evalRecord } : {}) });
      if (stop) break;
    }
    // A fit that ended before its workers booted still throws the error of one that cannot run.
    fitThreads.settle();
  } finally {
    fitThreads.close();
  }

  const kept = evalData && params.use_best_model ? trees.slice(0, bestIteration + 1) : trees;
  const model = new GbdtModel(
    buildModelJson({
      lossName,
      classes,
      featureNames,
      catNames,
      textNames,
      nanMode,
      outputs,
      bias,
      modelFeatures,
      ctrTables,
      tokenizedTexts,
      trees: kept,
      bestIteration,
    }),
  );
  const best = (series: Record<string, number[]>, list: readonly Metric[]) =>
    Object.fromEntries(
      list.map((metric) => {
        const values = series[metric.name] ?? [];
        return [metric.name, metric.higherIsBetter ? Math.max(...values) : Math.min(...values)];
      }),
    );
  return {
    model,
    bestIteration,
    learnMetrics,
    ...(evalMetrics ? { evalMetrics } : {}),
    bestScores: {
      learn: best(learnMetrics, learnMetricList),
      ...(evalMetrics ? { eval: best(evalMetrics, metrics) } : {}),
    },
    warnings,
  };
}

/**
 * The model file for the kept trees: numeric columns keep their feature indices; other features,
 * CTR tables and tokenized texts are kept only when a kept tree uses them, in order of first use.
 */
function buildModelJson(parts: {
  lossName: TrainParams["loss_function"];
  classes: string[];
  featureNames: string[];
  catNames: string[];
  textNames: string[];
  nanMode: NanMode;
  outputs: number;
  bias: number[];
  modelFeatures: ModelFeatureJson[];
  ctrTables: CtrTableJson[];
  tokenizedTexts: TokenizedTextJson[];
  trees: TreeJson[];
  bestIteration: number;
}) {
  const numeric = parts.featureNames.length;
  const features: ModelFeatureJson[] = parts.modelFeatures.slice(0, numeric);
  const featureMap = new Map<number, number>();
  const tableMap = new Map<number, number>();
  const textMap = new Map<number, number>();
  const ctrTables: CtrTableJson[] = [];
  const tokenizedTexts: TokenizedTextJson[] = [];
  const naiveBayesTexts = new Set<number>();
  const trees = parts.trees.map((tree) => ({
    splits: tree.splits.map((split) => {
      if (split.feature < numeric) return { feature: split.feature, border: split.border };
      let index = featureMap.get(split.feature);
      if (index === undefined) {
        let feature = { ...(parts.modelFeatures[split.feature] as ModelFeatureJson) };
        if (feature.type === "Ctr") {
          let table = tableMap.get(feature.table);
          if (table === undefined) {
            table = ctrTables.length;
            tableMap.set(feature.table, table);
            ctrTables.push(parts.ctrTables[feature.table] as CtrTableJson);
          }
          feature = { ...feature, table };
        } else if (feature.type === "BoW" || feature.type === "NaiveBayes") {
          let text = textMap.get(feature.text);
          if (text === undefined) {
            text = tokenizedTexts.length;
            textMap.set(feature.text, text);
            tokenizedTexts.push(parts.tokenizedTexts[feature.text] as TokenizedTextJson);
          }
          if (feature.type === "NaiveBayes") naiveBayesTexts.add(text);
          feature = { ...feature, text };
        }
        index = features.length;
        featureMap.set(split.feature, index);
        features.push(feature);
      }
      return { feature: index, border: split.border };
    }),
    leafValues: tree.leafValues,
    ...(tree.leafWeights ? { leafWeights: tree.leafWeights } : {}),
  }));
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    lossFunction: parts.lossName,
    classes: parts.classes,
    featureNames: parts.featureNames,
    categoricalFeatures: parts.catNames,
    textFeatures: parts.textNames,
    nanMode: parts.nanMode,
    outputs: parts.outputs,
    bias: parts.bias,
    features,
    ctrTables,
    tokenizedTexts: tokenizedTexts.map((text, index) => {
      const { naiveBayes, ...rest } = text;
      return naiveBayesTexts.has(index) && naiveBayes ? { ...rest, naiveBayes } : rest;
    }),
    trees,
    bestIteration: parts.bestIteration,
  } satisfies ModelJson;
}
