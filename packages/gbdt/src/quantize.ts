import type { NanMode } from "./params.ts";

/** The largest float32, CatBoost's sentinel border that gives missing values a bin of their own. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Borders for one numeric feature: midpoints between distinct values when there are few,
 * otherwise between values at evenly spaced ranks (at most `borderCount` borders). When the
 * column has missing values (NaN) and nan_mode is Min (Max), one border of the budget goes to a
 * sentinel below (above) every value, as CatBoost does, so missing values get a bin of their own.
 */
export function computeBorders(
  values: Float64Array,
  borderCount: number,
  nanMode: NanMode = "Min",
): Float64Array {
  const finite = values.filter((value) => !Number.isNaN(value)).sort();
  const hasNan = finite.length < values.length && nanMode !== "Forbidden";
  const budget = hasNan ? borderCount - 1 : borderCount;
  const distinct: number[] = [];
  for (let index = 0; index < finite.length; index++) {
    const value = finite[index] as number;
    if (index === 0 || value !== finite[index - 1]) distinct.push(value);
  }
  const borders: number[] = [];
  if (distinct.length - 1 <= budget) {
    for (let index = 1; index < distinct.length; index++)
      borders.push(((distinct[index - 1] as number) + (distinct[index] as number)) / 2);
  } else {
    for (let border = 1; border <= budget; border++) {
      const rank = Math.floor((border * finite.length) / (budget + 1));
      const low = finite[Math.max(0, rank - 1)] as number;
      const high = finite[rank] as number;
      if (low === high) continue;
      const value = (low + high) / 2;
      if (borders.length === 0 || value > (borders[borders.length - 1] as number)) borders.push(value);
    }
  }
  if (hasNan && nanMode === "Min") borders.unshift(-FLOAT32_MAX);
  if (hasNan && nanMode === "Max") borders.push(FLOAT32_MAX);
  return Float64Array.from(borders);
}

/**
 * Bin of each value: the number of borders strictly below it. NaN goes to bin 0 (below every
 * border) for nan_mode Min and to the top bin for Max.
 */
export function quantize(values: Float64Array, borders: Float64Array, nanMode: NanMode = "Min"): Uint16Array {
  const bins = new Uint16Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row] as number;
    if (Number.isNaN(value)) {
      if (nanMode === "Max") bins[row] = borders.length;
      continue;
    }
    let low = 0;
    let high = borders.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (value > (borders[middle] as number)) low = middle + 1;
      else high = middle;
    }
    bins[row] = low;
  }
  return bins;
}
