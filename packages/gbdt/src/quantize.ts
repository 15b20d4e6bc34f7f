import type { NanMode } from "./params.ts";

/** The largest float32, CatBoost's sentinel border that gives missing values a bin of their own. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * CatBoost's `dev_max_subset_size_for_build_borders`: borders are computed on at most this many
 * learn values, a random subset of them when there are more (facts §1).
 */
export const BORDER_SAMPLE_SIZE = 200_000;

/**
 * Borders for one numeric feature, CatBoost's GreedyLogSum: midpoints between all distinct values
 * when there are at most `borderCount` + 1 of them, otherwise {@link greedyLogSumSplits}. When the
 * column has missing values (NaN) and nan_mode is Min (Max), one border of the budget goes to a
 * sentinel below (above) every value, as CatBoost does, so missing values get a bin of their own.
 * With `sample` (a uniform draw in [0, 1)), a column of more than {@link BORDER_SAMPLE_SIZE}
 * values other than NaN has its borders computed on that many of them, drawn without replacement
 * (whether it has missing values is the whole column's).
 */
export function computeBorders(
  values: Float64Array,
  borderCount: number,
  nanMode: NanMode = "Min",
  scratch?: Float64Array,
  sample?: () => number,
): Float64Array {
  const all = finiteValues(values, scratch);
  const finite = (sample && all.length > BORDER_SAMPLE_SIZE ? sampleValues(all, sample) : all).sort();
  const hasNan = all.length < values.length && nanMode !== "Forbidden";
  const budget = hasNan ? borderCount - 1 : borderCount;
  let distinct = 0;
  for (let index = 0; index < finite.length; index++)
    if (index === 0 || finite[index] !== finite[index - 1]) distinct++;
  const splits: number[] = [];
  if (distinct - 1 <= budget) {
    for (let index = 1; index < finite.length; index++)
      if (finite[index] !== finite[index - 1]) splits.push(index);
  } else splits.push(...greedyLogSumSplits(finite, budget));
  const borders = splits.map((index) => ((finite[index - 1] as number) + (finite[index] as number)) / 2);
  if (hasNan && nanMode === "Min") borders.unshift(-FLOAT32_MAX);
  if (hasNan && nanMode === "Max") borders.push(FLOAT32_MAX);
  return Float64Array.from(borders);
}

/**
 * The values that are not NaN, in order, in `scratch` when it is long enough (a view of it). (A
 * loop: `Float64Array.prototype.filter` with a callback takes ~17 ms per 100,000 values in Node
 * 20. And a view, not a copy: a new array's pages cost a page fault each when first written, ~1.5
 * ms per 500 KB on the machine of docs/benchmarks.md, so a fit hands every column the same scratch.)
 */
function finiteValues(values: Float64Array, scratch?: Float64Array): Float64Array {
  const finite = scratch && scratch.length >= values.length ? scratch : new Float64Array(values.length);
  let count = 0;
  for (let row = 0; row < values.length; row++) {
    const value = values[row] as number;
    if (!Number.isNaN(value)) finite[count++] = value;
  }
  return finite.subarray(0, count);
}

/**
 * {@link BORDER_SAMPLE_SIZE} of `values`, drawn without replacement by the first steps of a
 * Fisher–Yates shuffle (in place): a view of the start of `values`.
 */
function sampleValues(values: Float64Array, next: () => number): Float64Array {
  for (let at = 0; at < BORDER_SAMPLE_SIZE; at++) {
    const pick = at + Math.floor(next() * (values.length - at));
    const value = values[pick] as number;
    values[pick] = values[at] as number;
    values[at] = value;
  }
  return values.subarray(0, BORDER_SAMPLE_SIZE);
}

/** A piece [start, end) of the sorted values and its best split (index, gain; −∞ if none). */
interface Piece {
  start: number;
  end: number;
  split: number;
  gain: number;
}

/**
 * GreedyLogSum (facts §1): starting from one piece holding all `sorted` values, repeatedly split
 * the piece whose split gains most — log(left + ε) + log(right + ε) − log(size + ε) — until there
 * are `budget` + 1 pieces or none can be split. A piece is split next to its middle value: before
 * the first or after the last copy of it (equal values stay together), whichever gains more
 * (ties: before). Returns the split indices (a border between `sorted[i − 1]` and `sorted[i]`),
 * ascending. Equal gains are taken in order of position, so the result is deterministic.
 */
export function greedyLogSumSplits(sorted: Float64Array, budget: number): number[] {
  const piece = (start: number, end: number): Piece => {
    const value = sorted[start + Math.floor((end - start) / 2)] as number;
    const before = firstNotBelow(sorted, start, end, value);
    const after = firstAbove(sorted, start, end, value);
    let split = -1;
    let gain = Number.NEGATIVE_INFINITY;
    if (before > start && before < end) {
      split = before;
      gain = logSumGain(start, end, before);
    }
    if (after > start && after < end && logSumGain(start, end, after) > gain) {
      split = after;
      gain = logSumGain(start, end, after);
    }
    return { start, end, split, gain };
  };
  // A binary max-heap by gain, then by lower start.
  const heap: Piece[] = [piece(0, sorted.length)];
  const above = (a: Piece, b: Piece) => a.gain > b.gain || (a.gain === b.gain && a.start < b.start);
  const push = (item: Piece) => {
    let at = heap.length;
    heap.push(item);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!above(item, heap[parent] as Piece)) break;
      heap[at] = heap[parent] as Piece;
      at = parent;
    }
    heap[at] = item;
  };
  const pop = (): Piece => {
    const top = heap[0] as Piece;
    const last = heap.pop() as Piece;
    if (heap.length > 0) {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && above(heap[right] as Piece, heap[left] as Piece) ? right : left;
        if (!above(heap[child] as Piece, last)) break;
        heap[at] = heap[child] as Piece;
        at = child;
      }
      heap[at] = last;
    }
    return top;
  };
  const splits: number[] = [];
  while (splits.length < budget && heap.length > 0) {
    const top = pop();
    if (top.split < 0) break;
    splits.push(top.split);
    push(piece(top.start, top.split));
    push(piece(top.split, top.end));
  }
  return splits.sort((a, b) => a - b);
}

/** log(left + ε) + log(right + ε) − log(size + ε) of splitting [start, end) at `split`. */
function logSumGain(start: number, end: number, split: number): number {
  const epsilon = 1e-8;
  return (
    Math.log(split - start + epsilon) + Math.log(end - split + epsilon) - Math.log(end - start + epsilon)
  );
}

/** The first index in [start, end) of ascending `sorted` whose value is not below `value`. */
function firstNotBelow(sorted: Float64Array, start: number, end: number, value: number): number {
  let low = start;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The first index in [start, end) of ascending `sorted` whose value is above `value`. */
function firstAbove(sorted: Float64Array, start: number, end: number, value: number): number {
  let low = start;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Bin of each value: the number of borders strictly below it. NaN goes to bin 0 (below every
 * border) for nan_mode Min and to the top bin for Max.
 */
export function quantize(values: Float64Array, borders: Float64Array, nanMode: NanMode = "Min"): Uint16Array {
  return quantizeInto(values, borders, nanMode, new Uint16Array(values.length));
}

/**
 * {@link quantize}'s bins in the smallest array that holds them: a Uint8Array up to 255 borders
 * (256 bins), else a Uint16Array.
 */
export function quantizeBins(
  values: Float64Array,
  borders: Float64Array,
  nanMode: NanMode = "Min",
): Uint8Array | Uint16Array {
  const bins = borders.length < 256 ? new Uint8Array(values.length) : new Uint16Array(values.length);
  return quantizeInto(values, borders, nanMode, bins);
}

/** {@link quantize} into `bins`. */
function quantizeInto<Bins extends Uint8Array | Uint16Array>(
  values: Float64Array,
  borders: Float64Array,
  nanMode: NanMode,
  bins: Bins,
): Bins {
  // The count of borders below a value by halving steps over the borders padded with +∞ to a
  // power of two, each step adding `step × (value > border)`: no branch for V8 to mispredict (a
  // binary search's, or a conditional step's, on data in random order), four values at a time
  // whose steps do not wait on each other: 700,000 values in ~8 ms instead of ~28. NaN compares
  // false, so it counts no border: bin 0, or the top bin for Max.
  const count = borders.length;
  const nanBin = nanMode === "Max" ? count : 0;
  let top = 1;
  while (top * 2 <= count) top *= 2;
  const padded = new Float64Array(2 * top).fill(Number.POSITIVE_INFINITY);
  padded.set(borders);
  const rows = values.length;
  let row = 0;
  for (; row + 4 <= rows; row += 4) {
    const v0 = values[row] as number;
    const v1 = values[row + 1] as number;
    const v2 = values[row + 2] as number;
    const v3 = values[row + 3] as number;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let step = top; step > 0; step >>= 1) {
      b0 += step * +(v0 > (padded[b0 + step - 1] as number));
      b1 += step * +(v1 > (padded[b1 + step - 1] as number));
      b2 += step * +(v2 > (padded[b2 + step - 1] as number));
      b3 += step * +(v3 > (padded[b3 + step - 1] as number));
    }
    bins[row] = Number.isNaN(v0) ? nanBin : b0;
    bins[row + 1] = Number.isNaN(v1) ? nanBin : b1;
    bins[row + 2] = Number.isNaN(v2) ? nanBin : b2;
    bins[row + 3] = Number.isNaN(v3) ? nanBin : b3;
  }
  for (; row < rows; row++) {
    const value = values[row] as number;
    let below = 0;
    for (let step = top; step > 0; step >>= 1)
      below += step * +(value > (padded[below + step - 1] as number));
    bins[row] = Number.isNaN(value) ? nanBin : below;
  }
  return bins;
}
