import { kernel, type LevelList, type LevelView, type SearchShared } from "./split-kernel.ts";

export type { Bins } from "./split-kernel.ts";

const { KeptHistograms, HistogramBuilder, subtractFromParent, listRows, blockRows, maxLeaves } = kernel;
export { HistogramBuilder };
export type HistogramBuilder = InstanceType<typeof HistogramBuilder>;

/** Makes typed arrays: on ordinary memory, or on SharedArrayBuffers for worker threads. */
export interface ArrayMaker {
  uint32(length: number): Uint32Array;
  float64(length: number): Float64Array;
}

export const ordinaryArrays: ArrayMaker = {
  uint32: (length) => new Uint32Array(length),
  float64: (length) => new Float64Array(length),
};

/**
 * The rows a tree level's histograms are summed over. A symmetric tree's level L splits every
 * leaf of level L − 1 in two (bit L − 1 of the leaf index), so a histogram at level L is the one
 * of level L − 1 minus the rows of one side of the split: the side with fewer rows (weight ≠ 0),
 * at most half of them. `startLevel` lists those rows; level 0 has no parent and sums all rows.
 */
export class LevelRows implements LevelView, LevelList {
  /**
   * The rows a level sums (weight ≠ 0; at level 0 all of them, else those on the smaller side of
   * the last split), in row order, with each one's leaf and its bootstrap weight then weighted
   * gradients packed at `at × stride`: the histograms read them in sequence, once per feature.
   */
  readonly rows: Uint32Array;
  readonly leafOfRow: Uint32Array;
  readonly packed: Float64Array;
  /**
   * Per block of rows (`blockRows(depth)`, as the threads list them): the listed rows' Σ weight,
   * then Σ weighted gradient per output, per leaf, `maxLeaves × (outputs + 1)` values a block.
   */
  readonly blockTotals: Float64Array;
  count = 0;
  /** Whether the rows are the smaller side: the one with the level's bit set (leaves ≥ leaves / 2). */
  smallIsHigh = false;
  level = 0;
  leaves = 1;
  /** Counts (tree, level) so kept histograms can tell whether they are the level above's. */
  stamp = 0;
  /** Per leaf of the level: Σ bootstrap weight, and Σ weighted gradient per output at `leaf × outputs`. */
  readonly totalWeight: Float64Array;
  readonly totalDelta: Float64Array;
  private readonly parentWeight: Float64Array;
  private readonly parentDelta: Float64Array;
  private readonly outputs: number;
  private readonly depth: number;
  private readonly blocks: number;

  /**
   * For `rows` learn rows and trees of depth `depth`; `arrays` makes the arrays worker threads
   * read and write (rows, leaves, packed values, block totals, totals).
   */
  constructor(rows: number, outputs: number, depth: number, arrays: ArrayMaker = ordinaryArrays) {
    const leaves = maxLeaves(depth);
    this.outputs = outputs;
    this.depth = depth;
    this.blocks = Math.ceil(rows / blockRows(depth));
    this.rows = arrays.uint32(rows);
    this.leafOfRow = arrays.uint32(rows);
    this.packed = arrays.float64(rows * (outputs + 1));
    this.blockTotals = arrays.float64(this.blocks * leaves * (outputs + 1));
    this.totalWeight = arrays.float64(leaves);
    this.totalDelta = arrays.float64(leaves * outputs);
    this.parentWeight = new Float64Array(leaves);
    this.parentDelta = new Float64Array(leaves * outputs);
  }

  /** The arrays the kernel's jobs read and write, under their names in SearchShared. */
  sharedArrays(): Pick<
    SearchShared,
    "levelRows" | "levelLeafOfRow" | "levelPacked" | "levelBlockTotals" | "totalWeight" | "totalDelta"
  > {
    return {
      levelRows: this.rows,
      levelLeafOfRow: this.leafOfRow,
      levelPacked: this.packed,
      levelBlockTotals: this.blockTotals,
      totalWeight: this.totalWeight,
      totalDelta: this.totalDelta,
    };
  }

  startTree(): void {
    this.stamp += 64;
  }

  /**
   * Lists the level's rows and sums its totals on this thread: `begin`, the kernel's `listRows`
   * over all rows, `finish`. (Training lists each thread's range of rows on that thread.)
   */
  startLevel(level: number, leafOf: Uint32Array, bootstrap: Float64Array, weighted: Float64Array): void {
    let smallIsHigh = false;
    if (level > 0) {
      const half = (1 << level) >> 1;
      let high = 0;
      let low = 0;
      for (let row = 0; row < leafOf.length; row++)
        if (bootstrap[row] !== 0) {
          if (leafOf[row]! >= half) high++;
          else low++;
        }
      smallIsHigh = high < low;
    }
    this.begin(level, smallIsHigh);
    const count = listRows(
      this,
      this.outputs,
      leafOf,
      bootstrap,
      weighted,
      this.depth,
      0,
      this.blocks,
      0,
      level,
      smallIsHigh,
    );
    this.finish(count);
  }

  /** Starts level `level` (a new stamp); `smallIsHigh`: the rows to list have the last split's bit set. */
  begin(level: number, smallIsHigh: boolean): void {
    this.level = level;
    this.leaves = 1 << level;
    this.stamp = this.stamp - (this.stamp % 64) + level;
    this.smallIsHigh = level > 0 && smallIsHigh;
  }

  /** Ends the listing with `count` rows listed: sums the per-leaf totals. */
  finish(count: number): void {
    this.count = count;
    this.sumTotals();
  }

  /**
   * The per-leaf totals: of the listed rows, the per-block sums of `listRows` summed in block
   * order; at level > 0, the other side's by subtraction from the level above.
   */
  private sumTotals(): void {
    const { leaves, totalWeight, totalDelta, blockTotals, blocks } = this;
    const outputs = this.outputs;
    const parentWeight = this.parentWeight;
    const parentDelta = this.parentDelta;
    const half = leaves >> 1;
    if (this.level > 0) {
      parentWeight.set(totalWeight.subarray(0, half));
      parentDelta.set(totalDelta.subarray(0, half * outputs));
    }
    const stride = outputs + 1;
    const blockTotalsSize = maxLeaves(this.depth) * stride;
    // The listed leaves: all at level 0, else those on the listed side of the last split.
    const listed = this.level === 0 ? 1 : half;
    const firstListed = this.smallIsHigh ? half : 0;
    for (let leaf = firstListed; leaf < firstListed + listed; leaf++) {
      let weight = 0;
      for (let block = 0; block < blocks; block++)
        weight += blockTotals[block * blockTotalsSize + leaf * stride]!;
      totalWeight[leaf] = weight;
      for (let k = 0; k < outputs; k++) {
        let delta = 0;
        for (let block = 0; block < blocks; block++)
          delta += blockTotals[block * blockTotalsSize + leaf * stride + 1 + k]!;
        totalDelta[leaf * outputs + k] = delta;
      }
    }
    if (this.level === 0) return;
    for (let parent = 0; parent < half; parent++) {
      const small = this.smallIsHigh ? parent + half : parent;
      const large = this.smallIsHigh ? parent : parent + half;
      totalWeight[large] = parentWeight[parent]! - totalWeight[small]!;
      for (let k = 0; k < outputs; k++)
        totalDelta[large * outputs + k] =
          parentDelta[parent * outputs + k]! - totalDelta[small * outputs + k]!;
    }
  }

  /** The kernel's subtraction from the level above, at this level (split-kernel.ts). */
  subtractFromParent(histogram: Float64Array, parent: Float64Array, blocks: number, stride: number): void {
    subtractFromParent(histogram, parent, blocks, stride, this.leaves, this.smallIsHigh);
  }
}

/**
 * Per-(feature, leaf) sums of binary sparse features (BoW tokens) given as each row's list of
 * features: Σ bootstrap weight, then Σ weighted gradient per output, at
 * `((feature × leaves) + leaf) × stride`, over the rows listed for the feature. One pass over
 * the level's rows (the smaller side, by subtraction from the level above) sums every feature.
 */
export class SparseSums {
  private readonly stride: number;
  private readonly levelRows: LevelRows;
  private readonly offsets: Uint32Array;
  private readonly features: Uint32Array;
  private readonly featureCount: number;
  private readonly kept = new KeptHistograms(1);
  private sums = new Float64Array(0);

  /** `offsets`/`features`: CSR lists of each learn row's sparse features (ordinals < featureCount). */
  constructor(
    outputs: number,
    featureCount: number,
    offsets: Uint32Array,
    features: Uint32Array,
    levelRows: LevelRows,
  ) {
    this.stride = outputs + 1;
    this.featureCount = featureCount;
    this.offsets = offsets;
    this.features = features;
    this.levelRows = levelRows;
  }

  /**
   * Sums every feature at the current level; `values` holds them until the next call. Called at
   * every level of a tree (it keeps each level's sums for the next one's subtraction).
   */
  build(): void {
    const { stride, levelRows, offsets, features } = this;
    const leaves = levelRows.leaves;
    const size = this.featureCount * leaves * stride;
    if (this.sums.length < size) this.sums = new Float64Array(size);
    const sums = this.sums;
    sums.fill(0, 0, size);
    const { rows, leafOfRow, packed, count } = levelRows;
    for (let at = 0; at < count; at++) {
      const row = rows[at]!;
      const leaf = leafOfRow[at]!;
      const from = at * stride;
      for (let listed = offsets[row]!; listed < offsets[row + 1]!; listed++) {
        const cell = (features[listed]! * leaves + leaf) * stride;
        if (stride === 4) {
          sums[cell] = sums[cell]! + packed[from]!;
          sums[cell + 1] = sums[cell + 1]! + packed[from + 1]!;
          sums[cell + 2] = sums[cell + 2]! + packed[from + 2]!;
          sums[cell + 3] = sums[cell + 3]! + packed[from + 3]!;
        } else for (let k = 0; k < stride; k++) sums[cell + k] = sums[cell + k]! + packed[from + k]!;
      }
    }
    if (levelRows.level > 0) {
      const parent = this.kept.at(0, levelRows.stamp - 1);
      if (!parent) throw new Error("SparseSums.build skipped the level above");
      levelRows.subtractFromParent(sums, parent, this.featureCount, stride);
    }
    this.kept.keep(0, levelRows.stamp, sums, size);
  }

  /** Start of feature `ordinal`'s per-leaf sums in `values`. */
  offset(ordinal: number): number {
    return ordinal * this.levelRows.leaves * this.stride;
  }

  get values(): Float64Array {
    return this.sums;
  }
}
