/**
 * scikit-learn 1.2's `RobustScaler()` (defaults: with_centering, with_scaling,
 * quantile_range=(25, 75), unit_variance=False) for one column, with numpy 1.24's arithmetic:
 *
 * - center = `np.nanmedian`: the middle value, or for an even count `(a + b) / 2` of the two
 *   middle values (numpy's median is a mean of the middle pair — not the 50th percentile's lerp,
 *   which can differ in the last bit);
 * - scale = `q75 − q25` from `np.nanpercentile(column, [25, 75])` with the default "linear"
 *   method and numpy's `_lerp`, then `_handle_zeros_in_scale`: a scale below 10·ε (ε = 2**−52)
 *   becomes 1;
 * - transform = `(x − center) / scale`, NaN stays NaN.
 *
 * All-NaN fit set: numpy's nanmedian/nanpercentile return NaN (with a RuntimeWarning), NaN is not
 * `< 10·ε`, so scikit-learn keeps `center_ = scale_ = NaN` and transforms every value to NaN. We
 * return the same `{ center: NaN, scale: NaN }` (JSON.stringify writes them as null).
 *
 * Like scikit-learn's input validation (`force_all_finite="allow-nan"`), ±Infinity is rejected and
 * an empty fit set is an error.
 */

import { orderStatistics } from "./select.ts";

/** Fitted parameters of one column's RobustScaler. */
export interface RobustScalerParameters {
  /** Median of the non-NaN fit values (NaN when there are none). */
  readonly center: number;
  /** Interquartile range q75 − q25 of the non-NaN fit values; 1 when below 10·ε (NaN when none). */
  readonly scale: number;
}

/** `10 * np.finfo(np.float64).eps`, scikit-learn's "near constant" threshold. */
const NEAR_ZERO_SCALE = 10 * Number.EPSILON;

/** numpy 1.24's `_lerp(a, b, t)`: `a + (b − a)·t`, or `b − (b − a)·(1 − t)` when t ≥ 0.5. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * numpy's `percentile(sorted, q)` with the default "linear" method on an ascending array without
 * NaN: virtual index `(n − 1)·q/100`, `lo = floor`, `hi = lo + 1`, then numpy's `_lerp`; a virtual
 * index at or past the end gives the last value.
 * @param sorted ascending values, no NaN, length ≥ 1.
 * @param q percentile in 0 … 100.
 */
export function percentileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("percentileOfSorted: the array is empty");
  if (!(q >= 0 && q <= 100)) {
    throw new RangeError(`percentileOfSorted: q=${String(q)} is invalid: it must be in 0 … 100`);
  }
  const virtualIndex = (n - 1) * (q / 100);
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  const lo = Math.floor(virtualIndex);
  return lerp(sorted[lo]!, sorted[lo + 1]!, virtualIndex - lo);
}

/**
 * numpy's `median(sorted)` on an ascending array without NaN: the middle value, or the mean
 * `(a + b) / 2` of the middle pair for an even length.
 * @param sorted ascending values, no NaN, length ≥ 1.
 */
export function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError("medianOfSorted: the array is empty");
  const half = n >> 1;
  return n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

function checkRow(row: number, length: number, where: string): void {
  if (row < 0 || row >= length) {
    throw new RangeError(`${where}: row index ${row} is out of range: the column has ${length} values`);
  }
}

function infinityError(where: string, row: number, value: number): RangeError {
  return new RangeError(
    `${where}: value ${value} at row ${row} is not allowed: only finite numbers and NaN (missing) are`,
  );
}

/**
 * Fits scikit-learn's default `RobustScaler` on one column: center = nanmedian,
 * scale = nanpercentile 75 − 25 (1 when below 10·ε). NaN values are ignored; if every fit value
 * is NaN the result is `{ center: NaN, scale: NaN }`, as scikit-learn's.
 * @param values the whole column.
 * @param rows if given, fit only on these row indices (the train rows); duplicates count twice.
 * @throws RangeError when the fit set is empty, a row index is out of range, or a value is ±Infinity.
 */
export function fitRobustScaler(values: Float64Array, rows?: Int32Array): RobustScalerParameters {
  const where = "fitRobustScaler";
  const size = rows ? rows.length : values.length;
  if (size === 0) {
    throw new RangeError(`${where}: no values to fit on (${rows ? "rows is empty" : "the column is empty"})`);
  }
  const finite = new Float64Array(size);
  let count = 0;
  if (rows) {
    const length = values.length;
    for (let i = 0; i < size; i++) {
      const row = rows[i]!;
      checkRow(row, length, where);
      const value = values[row]!;
      if (!Number.isNaN(value)) {
        if (value === Infinity || value === -Infinity) throw infinityError(where, row, value);
        finite[count++] = value;
      }
    }
  } else {
    for (let row = 0; row < size; row++) {
      const value = values[row]!;
      if (!Number.isNaN(value)) {
        if (value === Infinity || value === -Infinity) throw infinityError(where, row, value);
        finite[count++] = value;
      }
    }
  }
  if (count === 0) return { center: Number.NaN, scale: Number.NaN };
  const { median, q25, q75 } = robustStatistics(finite.subarray(0, count));
  const iqr = q75 - q25;
  return { center: median, scale: iqr < NEAR_ZERO_SCALE ? 1 : iqr };
}

/**
 * {@link fitRobustScaler} on the rows flagged in `selected` (non-zero = fit on that row): the same
 * parameters as passing those rows as `rows` — a median and percentiles do not depend on the
 * order of the values — but the column is read sequentially instead of in random row order.
 * @param selected one flag per value of `values`.
 * @throws RangeError when no row is selected, the lengths differ, or a selected value is ±Infinity.
 */
export function fitRobustScalerSelected(values: Float64Array, selected: Uint8Array): RobustScalerParameters {
  const where = "fitRobustScaler";
  if (selected.length !== values.length) {
    throw new RangeError(`${where}: ${selected.length} row flags for a column of ${values.length} values`);
  }
  const finite = new Float64Array(values.length);
  let count = 0;
  let size = 0;
  for (let row = 0; row < values.length; row++) {
    if (selected[row] === 0) continue;
    size++;
    const value = values[row]!;
    if (!Number.isNaN(value)) {
      if (value === Infinity || value === -Infinity) throw infinityError(where, row, value);
      finite[count++] = value;
    }
  }
  if (size === 0) throw new RangeError(`${where}: no values to fit on (no row is selected)`);
  if (count === 0) return { center: Number.NaN, scale: Number.NaN };
  const { median, q25, q75 } = robustStatistics(finite.subarray(0, count));
  const iqr = q75 - q25;
  return { center: median, scale: iqr < NEAR_ZERO_SCALE ? 1 : iqr };
}

/** Where numpy's linear percentile `q` of `n` sorted values looks: `[lo, hi]` and the weight. */
function percentilePositions(n: number, q: number): { lo: number; hi: number; t: number } {
  const virtualIndex = (n - 1) * (q / 100);
  if (virtualIndex >= n - 1) return { lo: n - 1, hi: n - 1, t: 0 };
  const lo = Math.floor(virtualIndex);
  return { lo, hi: lo + 1, t: virtualIndex - lo };
}

/**
 * `medianOfSorted`, `percentileOfSorted(…, 25)` and `percentileOfSorted(…, 75)` of `values` —
 * bit-identical to sorting first, but by selecting only the (at most six) order statistics those
 * formulas read ({@link orderStatistics}), which is O(n) instead of O(n log n).
 * @param values no NaN, length ≥ 1; reordered in place.
 */
export function robustStatistics(values: Float64Array): { median: number; q25: number; q75: number } {
  const n = values.length;
  if (n === 0) throw new RangeError("robustStatistics: the array is empty");
  const half = n >> 1;
  const p25 = percentilePositions(n, 25);
  const p75 = percentilePositions(n, 75);
  const [middleLo, middleHi, lo25, hi25, lo75, hi75] = orderStatistics(values, [
    n % 2 === 1 ? half : half - 1,
    half,
    p25.lo,
    p25.hi,
    p75.lo,
    p75.hi,
  ]) as [number, number, number, number, number, number];
  return {
    median: n % 2 === 1 ? middleHi : (middleLo + middleHi) / 2,
    q25: p25.lo === n - 1 ? lo25 : lerp(lo25, hi25, p25.t),
    q75: p75.lo === n - 1 ? lo75 : lerp(lo75, hi75, p75.t),
  };
}

/**
 * Throws what {@link transformRobust} throws for `values`: a RangeError naming the first ±Infinity.
 * (A fitted scaler transforms everything else: NaN stays NaN.)
 */
export function assertTransformable(values: Float64Array): void {
  for (let row = 0; row < values.length; row++) {
    const value = values[row]!;
    if (value === Infinity || value === -Infinity) throw infinityError("transformRobust", row, value);
  }
}

/**
 * Applies a fitted RobustScaler: `(x − center) / scale`, NaN kept.
 * @param values the whole column.
 * @param parameters `center` and `scale` from {@link fitRobustScaler}.
 * @param rows if given, transform only these rows: the result has `rows.length` values, in that
 *   order; otherwise the result is parallel to `values`.
 * @returns a new Float64Array; `values` is not modified.
 * @throws RangeError when a row index is out of range or a value is ±Infinity.
 */
export function transformRobust(
  values: Float64Array,
  parameters: RobustScalerParameters,
  rows?: Int32Array,
): Float64Array {
  const where = "transformRobust";
  const { center, scale } = parameters;
  if (rows) {
    const length = values.length;
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      checkRow(row, length, where);
      const value = values[row]!;
      if (value === Infinity || value === -Infinity) throw infinityError(where, row, value);
      out[i] = (value - center) / scale;
    }
    return out;
  }
  const out = new Float64Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row]!;
    if (value === Infinity || value === -Infinity) throw infinityError(where, row, value);
    out[row] = (value - center) / scale;
  }
  return out;
}
