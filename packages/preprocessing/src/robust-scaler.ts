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
  // Float64Array sort is numeric ascending (no NaN left here).
  const sorted = finite.subarray(0, count).sort();
  const center = medianOfSorted(sorted);
  const iqr = percentileOfSorted(sorted, 75) - percentileOfSorted(sorted, 25);
  return { center, scale: iqr < NEAR_ZERO_SCALE ? 1 : iqr };
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
