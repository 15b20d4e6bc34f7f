/**
 * Categorical features → CatBoost's counter statistics (CTRs). For classification CatBoost's
 * defaults: `Borders` with priors 0, 0.5, 1 for each target border (class index > b, b = 0 …
 * classes − 2) and `Counter` with prior 0; each CTR value is quantized into 16 buckets (15
 * borders): floor((ctr + shift) × scale), shift = −min(0, prior), scale = 15 / (max(1, prior) −
 * min(0, prior)).
 */

/** Borders of a CTR: its bucket is an integer 0…15 and splits are `bucket > b`. */
export const CTR_BORDER_COUNT = 15;

/** One CTR of a categorical column, as stored in the model. */
export interface CtrJson {
  /** Categorical column (index into the model's categoricalFeatures) and its table. */
  table: number;
  ctrType: "Borders" | "Counter";
  /** Borders: counts rows whose target class index is greater than this. */
  targetBorder: number;
  priorNumerator: number;
  priorDenominator: number;
  shift: number;
  scale: number;
}

/** Learn statistics of one categorical column, as stored in the model. */
export interface CtrTableJson {
  /** Index into the model's categoricalFeatures. */
  column: number;
  /** The learn values, sorted; value i's counts are counts[i·targetClasses …]. */
  values: string[];
  /** Target classes counted (the classes; 2 for RMSE: target ≤ or > the learn median). */
  targetClasses: number;
  counts: number[];
}

/** CatBoost's default CTRs for a classification target with `targetClasses` classes. */
export function defaultCtrs(table: number, targetClasses: number): CtrJson[] {
  const ctrs: CtrJson[] = [];
  const quantization = (prior: number) => ({
    shift: -Math.min(0, prior),
    scale: CTR_BORDER_COUNT / (Math.max(1, prior) - Math.min(0, prior)),
  });
  for (let targetBorder = 0; targetBorder < targetClasses - 1; targetBorder++)
    for (const prior of [0, 0.5, 1])
      ctrs.push({
        table,
        ctrType: "Borders",
        targetBorder,
        priorNumerator: prior,
        priorDenominator: 1,
        ...quantization(prior),
      });
  ctrs.push({
    table,
    ctrType: "Counter",
    targetBorder: 0,
    priorNumerator: 0,
    priorDenominator: 1,
    ...quantization(0),
  });
  return ctrs;
}

/**
 * The value id of rows [start, start + length) of a categorical column (`position`: each learn
 * value's id; −1 for a value the learn rows do not have). A loop: `Int32Array.from` with a
 * callback takes ~3× as long.
 */
export function valueIds(
  column: readonly string[],
  position: ReadonlyMap<string, number>,
  start = 0,
  length = column.length - start,
): Int32Array {
  const ids = new Int32Array(length);
  for (let row = 0; row < length; row++) ids[row] = position.get(column[start + row] as string) ?? -1;
  return ids;
}

/** The bucket of a CTR value (numerator + prior) / (denominator + prior denominator). */
export function ctrBucket(numerator: number, denominator: number, ctr: CtrJson): number {
  const value = (numerator + ctr.priorNumerator) / (denominator + ctr.priorDenominator);
  const bucket = Math.floor((value + ctr.shift) * ctr.scale);
  return bucket < 0 ? 0 : bucket > CTR_BORDER_COUNT ? CTR_BORDER_COUNT : bucket;
}

/** Σ of counts[base + c] for c > border (rows of the value in a class above the target border). */
function above(counts: ArrayLike<number>, base: number, classes: number, border: number): number {
  let sum = 0;
  for (let c = border + 1; c < classes; c++) sum += counts[base + c]!;
  return sum;
}

function total(counts: ArrayLike<number>, base: number, classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += counts[base + c]!;
  return sum;
}

/** The largest number of learn rows of any one value (Counter's denominator). */
export function maxValueCount(counts: ArrayLike<number>, classes: number): number {
  let max = 0;
  for (let base = 0; base < counts.length; base += classes) max = Math.max(max, total(counts, base, classes));
  return max;
}

/**
 * Buckets of `ctr` for rows with value ids `ids` (−1 = value not seen in learn) from full learn
 * counts: what eval rows and predictions get. An unseen value has count 0 and total 0, so a
 * Borders CTR gives its prior and Counter 0. (A bucket depends on the value alone: one per value,
 * then one lookup per row.)
 */
export function tableBuckets(
  ids: Int32Array,
  counts: ArrayLike<number>,
  classes: number,
  ctr: CtrJson,
  maxCount: number,
): Uint8Array {
  const valueCount = Math.floor(counts.length / classes);
  // byValue[id + 1]: the bucket of value id (id −1: unseen).
  const byValue = new Uint8Array(valueCount + 1);
  for (let id = -1; id < valueCount; id++) {
    const base = id * classes;
    if (ctr.ctrType === "Counter")
      byValue[id + 1] = ctrBucket(id < 0 ? 0 : total(counts, base, classes), maxCount, ctr);
    else
      byValue[id + 1] =
        id < 0
          ? ctrBucket(0, 0, ctr)
          : ctrBucket(above(counts, base, classes, ctr.targetBorder), total(counts, base, classes), ctr);
  }
  const buckets = new Uint8Array(ids.length);
  for (let row = 0; row < ids.length; row++) buckets[row] = byValue[(ids[row] as number) + 1] as number;
  return buckets;
}

/**
 * Ordered target statistics for learn rows (CatBoost's online CTRs): rows are visited in
 * `order`; a row's Borders CTRs use only the rows visited before it, then its own target is
 * counted. Returns one bucket array per CTR in `ctrs` (all Borders).
 */
export function orderedBuckets(
  ids: Int32Array,
  targets: Uint8Array | Uint16Array,
  classes: number,
  valueCount: number,
  order: Uint32Array,
  ctrs: readonly CtrJson[],
): Uint8Array[] {
  const rows = ids.length;
  const result = ctrs.map(() => new Uint8Array(rows));
  const counts = new Uint32Array(valueCount * classes);
  for (let position = 0; position < rows; position++) {
    const row = order[position]!;
    const base = ids[row]! * classes;
    const seen = total(counts, base, classes);
    for (let index = 0; index < ctrs.length; index++) {
      const ctr = ctrs[index]!;
      result[index]![row] = ctrBucket(above(counts, base, classes, ctr.targetBorder), seen, ctr);
    }
    counts[base + targets[row]!]!++;
  }
  return result;
}
