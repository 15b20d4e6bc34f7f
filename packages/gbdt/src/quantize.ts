/**
 * Borders for one numeric feature: midpoints between distinct values when there are few,
 * otherwise between values at evenly spaced ranks (at most `borderCount` borders). NaN is
 * ignored here; at training and prediction time it goes below every border (nan_mode Min).
 */
export function computeBorders(values: Float64Array, borderCount: number): Float64Array {
  const finite = values.filter((value) => !Number.isNaN(value)).sort();
  const distinct: number[] = [];
  for (let index = 0; index < finite.length; index++) {
    const value = finite[index] as number;
    if (index === 0 || value !== finite[index - 1]) distinct.push(value);
  }
  const borders: number[] = [];
  if (distinct.length - 1 <= borderCount) {
    for (let index = 1; index < distinct.length; index++)
      borders.push(((distinct[index - 1] as number) + (distinct[index] as number)) / 2);
  } else {
    for (let border = 1; border <= borderCount; border++) {
      const rank = Math.floor((border * finite.length) / (borderCount + 1));
      const low = finite[Math.max(0, rank - 1)] as number;
      const high = finite[rank] as number;
      if (low === high) continue;
      const value = (low + high) / 2;
      if (borders.length === 0 || value > (borders[borders.length - 1] as number)) borders.push(value);
    }
  }
  return Float64Array.from(borders);
}

/** Bin of each value: the number of borders strictly below it (NaN → 0, the lowest bin). */
export function quantize(values: Float64Array, borders: Float64Array): Uint16Array {
  const bins = new Uint16Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row] as number;
    if (Number.isNaN(value)) continue;
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
