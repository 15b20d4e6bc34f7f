import { weighFunction } from "./bootstrap-wasm.ts";
import type { ArrayMaker } from "./histograms.ts";
import { combineFunction, marginalsFunction } from "./joint-wasm.ts";
import { addLeavesFunction, softmax3Function, softmax3LossFunction } from "./loss-wasm.ts";
import {
  blockEnd,
  elementAt,
  F64,
  forBlockRows,
  I32,
  MAX_PAGES,
  moduleBytes,
  op,
  PAGE_BYTES,
  parameterIndices,
  V128,
  WasmFunction,
} from "./wasm-emit.ts";
import { mathFunctions } from "./wasm-math.ts";

/**
 * The kernel's hottest loops over rows and histogram cells as a WebAssembly module, with 128-bit
 * SIMD where two doubles go together: the histogram pass (for each listed row, add its weight and
 * weighted gradients to one (bin, leaf) cell per feature), the listing of a level's rows, a
 * histogram's subtraction from the level above and its zeroing, and the split score of dense
 * features. Each does the same IEEE operations as the JavaScript loops, in the same order, so
 * the results are the same doubles (docs/gbdt.md has the figures).
 *
 * The module is written out here, opcode by opcode, rather than compiled from a .wat file: it is
 * a dozen small functions, and emitting them from TypeScript needs no WebAssembly toolchain and
 * commits no generated file (a text compiler such as wabt would need both). Builds emit it at
 * build time (build-defines.ts); the source, as the tests run it, emits it when first needed.
 *
 * The arguments are i32 (a count, or a byte offset in the imported shared memory `env.memory`)
 * but `score`'s last two. Strides (values per row and per histogram cell: weight, then one
 * gradient per output) 2 and 4:
 * - `s<stride>n<features>(count, leaves, rowsAt, leafAt, packedAt, bins0 … bins3, histogram0 …
 *   histogram3)`, 1 to 4 features: the histogram pass over the level's `count` listed rows (u32),
 *   their leaves (u32) and packed values (`stride` f64 each), into each feature's histogram (f64,
 *   cell `(bin × leaves + leaf) × stride`, `leaves` a power of two) from its bins (u8 per learn
 *   row). Unused features' arguments are ignored.
 * - `a<stride>n<features>(…)`, the same arguments: the pass where every learn row is listed, in
 *   one leaf (level 0 when no row has bootstrap weight 0): row `at` is the listed row `at`, its cell
 *   `bin × stride`, so the rows and leaves are not read (~1.8× faster); `leaves`, `rowsAt` and
 *   `leafAt` are ignored.
 * - `list<stride>(…)` (`LIST_PARAMS`): the kernel's `listRows` over blocks of rows; returns where
 *   the next row would go.
 * - `subtract(histogramAt, parentAt, blocks, halfBytes, smallAt, largeAt)` and
 *   `zeroSide(histogramAt, blocks, halfBytes, smallAt)`: the kernel's `subtractFromParent` and
 *   `zeroSide` in bytes.
 * - `score1(…)`, `score3(…)` (`SCORE_PARAMS`): the kernel's `scoreFeature` for a dense feature,
 *   one output and three.
 * - `split(valuesAt, leafOfAt, from, to, bin, level)`: the kernel's `splitRows` for a dense
 *   feature's u8 bins; returns the rows that went right.
 * - `leafSums(…)` (`LEAF_SUMS_PARAMS`): the kernel's `sumLeafBlocks`.
 * - `marginals(…)` and `combine(…)` (joint-wasm.ts): a group's histograms from their joint one,
 *   and its rows' combinations of bins.
 */
export const WASM_STRIDES = [2, 4] as const;

/**
 * Histogram columns summed by one call — features, or groups' joint histograms — the kernel's
 * HistogramBuilder.BATCH.
 */
const MAX_FEATURES = 4;
/**
 * The histogram pass `s<stride>n<features>`, or with `allRows` `a<stride>n<features>`. The loop
 * walks pointers (the packed values', the rows') rather than an index, and the leaves' count is a
 * shift: fewer values live in the loop than the twelve arguments and an index, which V8 would
 * spill (~10 % faster with four features).
 */
function passFunction(stride: number, features: number, allRows: boolean): WasmFunction {
  const f = new WasmFunction(passName(stride, features, allRows), 5 + 2 * MAX_FEATURES);
  const [count, leaves, rowsAt, leafAt, packedAt] = [0, 1, 2, 3, 4];
  const bins = (feature: number) => 5 + feature;
  const histogram = (feature: number) => 5 + MAX_FEATURES + feature;
  const [end, row, leafBytes, binShift, cell] = Array.from({ length: 5 }, () => f.local(I32)) as number[];
  const pairs = Array.from({ length: stride / 2 }, () => f.local(V128));
  const shift = Math.log2(stride * 8);
  // end = packedAt + count × stride × 8; a cell's bin is shifted by log2(leaves × stride × 8).
  f.emit(op.get(packedAt), op.get(count), op.const32(shift), op.shl, op.add, op.set(end!));
  // All rows: row counts up from 0, in leaf 0 of 1; listed rows: a row's leaf is `leafAt − rowsAt` past it.
  if (allRows)
    f.emit(
      op.const32(shift),
      op.set(binShift!),
      op.const32(0),
      op.set(row!),
      op.const32(0),
      op.set(leafBytes!),
    );
  else {
    f.emit(op.get(leaves), op.ctz, op.const32(shift), op.add, op.set(binShift!));
    f.emit(op.get(leafAt), op.get(rowsAt), op.sub, op.set(leafAt));
  }
  f.emit(op.block, op.loop, op.get(packedAt), op.get(end!), op.geU, op.brIf(1));
  if (!allRows) {
    f.emit(op.get(rowsAt), op.load32(0), op.set(row!));
    f.emit(
      op.get(rowsAt),
      op.get(leafAt),
      op.add,
      op.load32(0),
      op.const32(shift),
      op.shl,
      op.set(leafBytes!),
    );
  }
  pairs.forEach((pair, index) => {
    f.emit(op.get(packedAt), op.loadV128(16 * index), op.set(pair));
  });
  for (let feature = 0; feature < features; feature++) {
    // cell = histogram + (bins[row] << binShift) + (leaf << shift): (bin × leaves + leaf) × stride × 8
    f.emit(op.get(histogram(feature)), op.get(bins(feature)), op.get(row!), op.add, op.load8);
    f.emit(op.get(binShift!), op.shl, op.add, op.get(leafBytes!), op.add, op.set(cell!));
    pairs.forEach((pair, index) => {
      f.emit(op.get(cell!), op.get(cell!), op.loadV128(16 * index), op.get(pair), op.addF64x2);
      f.emit(op.storeV128(16 * index));
    });
  }
  if (allRows) f.emit(op.get(row!), op.const32(1), op.add, op.set(row!));
  else f.emit(op.get(rowsAt), op.const32(4), op.add, op.set(rowsAt));
  f.emit(op.get(packedAt), op.const32(stride * 8), op.add, op.set(packedAt));
  f.emit(op.br(0), op.end, op.end);
  return f;
}

/** The parameters of `list<stride>`, in order. */
const LIST_PARAMS = [
  "leafOfAt",
  "bootstrapAt",
  "weightedAt",
  "rowsAt",
  "leafOfRowAt",
  "packedAt",
  "blockTotalsAt",
  "scratchAt",
  "blockRows",
  "blockTotalsBytes",
  "rowCount",
  "first",
  "end",
  "next",
  "sideBit",
  "sideMask",
  "wanted",
  "zeroBytes",
] as const;

/**
 * `list<stride>`: the kernel's `listRows` for blocks [first, end) of `blockRows` rows: per block,
 * zero its first `zeroBytes` of block totals (`blockTotalsBytes` apart), list in the thread's
 * scratch (u32) the block's rows with weight ≠ 0 and `((leafOf[row] >>> sideBit) & sideMask) ==
 * wanted`, then write each one's row, leaf and packed weight and gradients at `next` onwards and
 * add them to its leaf's block totals. Returns the next `next`.
 */
function listFunction(stride: number): WasmFunction {
  const f = new WasmFunction(`list${stride}`, LIST_PARAMS.length, I32);
  const p = parameterIndices(LIST_PARAMS);
  const [block, totals, row, last, listed, slot, leaf, cell, packed, at] = Array.from({ length: 10 }, () =>
    f.local(I32),
  ) as number[];
  const pairs = Array.from({ length: stride / 2 }, () => f.local(V128));
  const rowBytes = (stride - 1) * 8;
  f.forLoop(block!, op.get(p.first), op.get(p.end), op.const32(1), () => {
    f.emit(
      op.get(p.blockTotalsAt),
      op.get(block!),
      op.get(p.blockTotalsBytes),
      op.mul,
      op.add,
      op.set(totals!),
    );
    f.forLoop(at!, op.const32(0), op.get(p.zeroBytes), op.const32(16), () =>
      f.emit(op.get(totals!), op.get(at!), op.add, op.zeroV128, op.storeV128(0)),
    );
    blockEnd(f, block!, p.blockRows, p.rowCount, last!);
    f.emit(op.const32(0), op.set(listed!));
    // Every row is written to the scratch; the count only moves past the listed ones.
    forBlockRows(f, row!, block!, p.blockRows, last!, () => {
      f.emit(elementAt(p.scratchAt, listed!, 2), op.get(row!), op.store32);
      f.emit(elementAt(p.leafOfAt, row!, 2), op.load32(0));
      f.emit(op.get(p.sideBit), op.shrU, op.get(p.sideMask), op.and, op.get(p.wanted), op.eq);
      f.emit(elementAt(p.bootstrapAt, row!, 3), op.loadF64(0));
      f.emit(op.constF64Zero, op.neF64, op.and, op.get(listed!), op.add, op.set(listed!));
    });
    f.forLoop(slot!, op.const32(0), op.get(listed!), op.const32(1), () => {
      f.emit(elementAt(p.scratchAt, slot!, 2), op.load32(0), op.set(row!));
      f.emit(elementAt(p.leafOfAt, row!, 2), op.load32(0), op.set(leaf!));
      f.emit(elementAt(p.rowsAt, p.next, 2), op.get(row!), op.store32);
      f.emit(elementAt(p.leafOfRowAt, p.next, 2), op.get(leaf!), op.store32);
      f.emit(op.get(p.packedAt), op.get(p.next), op.const32(stride * 8), op.mul, op.add, op.set(packed!));
      f.emit(op.get(totals!), op.get(leaf!), op.const32(stride * 8), op.mul, op.add, op.set(cell!));
      // (weight, first gradient), then for three outputs (second, third gradient).
      f.emit(elementAt(p.bootstrapAt, row!, 3), op.loadF64(0), op.splatF64x2);
      f.emit(op.get(p.weightedAt), op.get(row!), op.const32(rowBytes), op.mul, op.add, op.loadF64(0));
      f.emit(op.replaceLaneF64x2(1), op.set(pairs[0]!));
      if (stride === 4)
        f.emit(
          op.get(p.weightedAt),
          op.get(row!),
          op.const32(rowBytes),
          op.mul,
          op.add,
          op.loadV128(8),
          op.set(pairs[1]!),
        );
      pairs.forEach((pair, index) => {
        f.emit(op.get(packed!), op.get(pair), op.storeV128(16 * index));
        f.emit(
          op.get(cell!),
          op.get(cell!),
          op.loadV128(16 * index),
          op.get(pair),
          op.addF64x2,
          op.storeV128(16 * index),
        );
      });
      f.emit(op.get(p.next), op.const32(1), op.add, op.set(p.next));
    });
  });
  f.emit(op.get(p.next));
  return f;
}

/** `subtract(histogramAt, parentAt, blocks, halfBytes, smallAt, largeAt)`: the kernel's `subtractFromParent`. */
function subtractFunction(): WasmFunction {
  const f = new WasmFunction("subtract", 6);
  const [histogramAt, parentAt, blocks, halfBytes, smallAt, largeAt] = [0, 1, 2, 3, 4, 5];
  const [block, base, small, large, from, at] = Array.from({ length: 6 }, () => f.local(I32)) as number[];
  f.forLoop(block!, op.const32(0), op.get(blocks), op.const32(1), () => {
    // The block's two halves start at histogram + block × 2 × halfBytes; its parent block at parent + block × halfBytes.
    f.emit(
      op.get(histogramAt),
      op.get(block!),
      op.get(halfBytes),
      op.mul,
      op.const32(1),
      op.shl,
      op.add,
      op.set(base!),
    );
    f.emit(op.get(base!), op.get(smallAt), op.add, op.set(small!));
    f.emit(op.get(base!), op.get(largeAt), op.add, op.set(large!));
    f.emit(op.get(parentAt), op.get(block!), op.get(halfBytes), op.mul, op.add, op.set(from!));
    f.forLoop(at!, op.const32(0), op.get(halfBytes), op.const32(16), () => {
      f.emit(op.get(large!), op.get(at!), op.add);
      f.emit(op.get(from!), op.get(at!), op.add, op.loadV128(0));
      f.emit(op.get(small!), op.get(at!), op.add, op.loadV128(0));
      f.emit(op.subF64x2, op.storeV128(0));
    });
  });
  return f;
}

/**
 * `split(valuesAt, leafOfAt, from, to, bin, level)`: the kernel's `splitRows` for a dense
 * feature's u8 bins: bit `level` of the leaf (u32) set for rows [from, to) with bin > `bin`;
 * returns how many. Sixteen rows at a time: one compare of their bins, the count of the mask's
 * bits, the mask widened to four vectors of four leaves.
 */
function splitFunction(): WasmFunction {
  const f = new WasmFunction("split", 6, I32);
  const [valuesAt, leafOfAt, from, to, bin, level] = [0, 1, 2, 3, 4, 5];
  const row = f.local(I32);
  const right = f.local(I32);
  const end16 = f.local(I32);
  const cell = f.local(I32);
  const side = f.local(I32);
  const threshold = f.local(V128);
  const bit = f.local(V128);
  const mask = f.local(V128);
  const half = f.local(V128);
  f.emit(op.get(bin), op.splatI8x16, op.set(threshold));
  f.emit(op.const32(1), op.get(level), op.shl, op.splatI32x4, op.set(bit));
  // end16 = from + ((to − from) & ~15)
  f.emit(op.get(from), op.get(to), op.get(from), op.sub, op.const32(-16), op.and, op.add, op.set(end16));
  f.forLoop(row, op.get(from), op.get(end16), op.const32(16), () => {
    f.emit(
      op.get(valuesAt),
      op.get(row),
      op.add,
      op.loadV128(0),
      op.get(threshold),
      op.gtUI8x16,
      op.set(mask),
    );
    f.emit(op.get(right), op.get(mask), op.bitmaskI8x16, op.popcnt, op.add, op.set(right));
    f.emit(elementAt(leafOfAt, row, 2), op.set(cell));
    for (const high16 of [false, true]) {
      f.emit(op.get(mask), op.extendI16x8(high16), op.set(half));
      for (const high32 of [false, true]) {
        const offset = 16 * (2 * Number(high16) + Number(high32));
        f.emit(op.get(cell), op.get(cell), op.loadV128(offset));
        f.emit(
          op.get(half),
          op.extendI32x4(high32),
          op.get(bit),
          op.andV128,
          op.orV128,
          op.storeV128(offset),
        );
      }
    }
  });
  // The rows left, one at a time: side = (bin − value) >>> 31.
  f.forLoop(row, op.get(end16), op.get(to), op.const32(1), () => {
    f.emit(op.get(bin), op.get(valuesAt), op.get(row), op.add, op.load8, op.sub, op.const32(31), op.shrU);
    f.emit(op.set(side), elementAt(leafOfAt, row, 2), op.set(cell));
    f.emit(op.get(cell), op.get(cell), op.load32(0), op.get(side), op.get(level), op.shl, op.or, op.store32);
    f.emit(op.get(right), op.get(side), op.add, op.set(right));
  });
  f.emit(op.get(right));
  return f;
}

/** The parameters of `leafSums`, in order. */
const LEAF_SUMS_PARAMS = [
  "leafRowsAt",
  "gradientAt",
  "hessianAt",
  "blockLeavesAt",
  "rowCount",
  "blockRows",
  "first",
  "end",
  "leafCount",
  "outputs",
  "hessianSize",
] as const;

/**
 * `leafSums(…)`: the kernel's `sumLeafBlocks` for blocks [first, end): per block, zero its
 * `leafCount × (1 + outputs + hessianSize)` sums, then per row add 1 to its leaf's count, its
 * gradients to the leaf's gradient sums and its Hessian entries to the leaf's (two at a time).
 */
function leafSumsFunction(): WasmFunction {
  const f = new WasmFunction("leafSums", LEAF_SUMS_PARAMS.length);
  const p = parameterIndices(LEAF_SUMS_PARAMS);
  const block = f.local(I32);
  const counts = f.local(I32);
  const sumsG = f.local(I32);
  const sumsH = f.local(I32);
  const row = f.local(I32);
  const last = f.local(I32);
  const leaf = f.local(I32);
  const at = f.local(I32);
  const blockBytes = f.local(I32);
  const outputBytes = f.local(I32);
  const hessianBytes = f.local(I32);
  /** sums[to + at … ] += values[from + at …] for `bytes` bytes: pairs of doubles, then one left. */
  const addValues = (to: number[], from: number[], bytes: number) => {
    const pairEnd = [...op.get(bytes), ...op.const32(-16), ...op.and];
    f.forLoop(at, op.const32(0), pairEnd, op.const32(16), () => {
      f.emit(to, op.get(at), op.add, to, op.get(at), op.add, op.loadV128(0));
      f.emit(from, op.get(at), op.add, op.loadV128(0), op.addF64x2, op.storeV128(0));
    });
    f.forLoop(at, pairEnd, op.get(bytes), op.const32(8), () => {
      f.emit(to, op.get(at), op.add, to, op.get(at), op.add, op.loadF64(0));
      f.emit(from, op.get(at), op.add, op.loadF64(0), op.addF64, op.storeF64);
    });
  };
  f.emit(op.get(p.outputs), op.const32(3), op.shl, op.set(outputBytes));
  f.emit(op.get(p.hessianSize), op.const32(3), op.shl, op.set(hessianBytes));
  // blockBytes = leafCount × (1 + outputs + hessianSize) × 8
  f.emit(op.get(p.leafCount), op.const32(1), op.get(p.outputs), op.add, op.get(p.hessianSize), op.add);
  f.emit(op.mul, op.const32(3), op.shl, op.set(blockBytes));
  f.forLoop(block, op.get(p.first), op.get(p.end), op.const32(1), () => {
    f.emit(op.get(p.blockLeavesAt), op.get(block), op.get(blockBytes), op.mul, op.add, op.set(counts));
    f.emit(op.get(counts), op.get(p.leafCount), op.const32(3), op.shl, op.add, op.set(sumsG));
    f.emit(op.get(sumsG), op.get(p.leafCount), op.get(outputBytes), op.mul, op.add, op.set(sumsH));
    f.forLoop(at, op.const32(0), op.get(blockBytes), op.const32(8), () =>
      f.emit(op.get(counts), op.get(at), op.add, op.constF64Zero, op.storeF64),
    );
    blockEnd(f, block, p.blockRows, p.rowCount, last);
    forBlockRows(f, row, block, p.blockRows, last, () => {
      f.emit(elementAt(p.leafRowsAt, row, 2), op.load32(0), op.set(leaf));
      f.emit(elementAt(counts, leaf, 3), elementAt(counts, leaf, 3), op.loadF64(0));
      f.emit(op.constF64(1), op.addF64, op.storeF64);
      addValues(
        [...op.get(sumsG), ...op.get(leaf), ...op.get(outputBytes), ...op.mul, ...op.add],
        [...op.get(p.gradientAt), ...op.get(row), ...op.get(outputBytes), ...op.mul, ...op.add],
        outputBytes,
      );
      addValues(
        [...op.get(sumsH), ...op.get(leaf), ...op.get(hessianBytes), ...op.mul, ...op.add],
        [...op.get(p.hessianAt), ...op.get(row), ...op.get(hessianBytes), ...op.mul, ...op.add],
        hessianBytes,
      );
    });
  });
  return f;
}

/** `zeroSide(histogramAt, blocks, halfBytes, smallAt)`: the kernel's `zeroSide`. */
function zeroSideFunction(): WasmFunction {
  const f = new WasmFunction("zeroSide", 4);
  const [histogramAt, blocks, halfBytes, smallAt] = [0, 1, 2, 3];
  const [block, small, at] = Array.from({ length: 3 }, () => f.local(I32)) as number[];
  f.forLoop(block!, op.const32(0), op.get(blocks), op.const32(1), () => {
    f.emit(op.get(histogramAt), op.get(block!), op.get(halfBytes), op.mul, op.const32(1), op.shl, op.add);
    f.emit(op.get(smallAt), op.add, op.set(small!));
    f.forLoop(at!, op.const32(0), op.get(halfBytes), op.const32(16), () =>
      f.emit(op.get(small!), op.get(at!), op.add, op.zeroV128, op.storeV128(0)),
    );
  });
  return f;
}

/** The parameters of `score`, in order: i32 but the last two (f64). */
const SCORE_PARAMS = [
  "histogramAt",
  "groupRowsAt",
  "groupStartAt",
  "binCount",
  "leaves",
  "totalWeightAt",
  "totalDeltaAt",
  "partWeightAt",
  "partDeltaAt",
  "termNumeratorAt",
  "termDenominatorAt",
  "cellSumsAt",
  "touchedAt",
  "flagsAt",
  "resultAt",
  "noiseAt",
  "noiseOn",
  "bootstrapAt",
  "weightedAt",
  "leafOfAt",
  "scaledL2",
  "scale",
] as const;

/**
 * `score<outputs>(…)` (1 and 3 outputs, strides 2 and 4: the outputs' loops written out with
 * constant offsets): the kernel's `scoreFeature` for a dense feature — CatBoost's Cosine score of
 * every split `bin > b`, plus its noise — with the same operations in the same order, so the same
 * doubles. From its level histogram (`histogramAt`, cell `(bin × leaves + leaf) × stride`) or,
 * when `groupRowsAt` ≠ 0, from its rows grouped by bin (`groupStartAt`: u32 start per bin, then
 * the end) and each row's bootstrap weight, weighted gradients and leaf. Per-leaf scratch at
 * `partWeightAt` … `flagsAt` (`flags`: u32 per leaf, all 0 between calls); writes the best score
 * (f64) and bin (i32, −1: none) at `resultAt`.
 */
function scoreFunction(outputs: number): WasmFunction {
  const f = new WasmFunction(
    `score${outputs}`,
    SCORE_PARAMS.map((name) => (name === "scaledL2" || name === "scale" ? F64 : I32)),
  );
  const p = parameterIndices(SCORE_PARAMS);
  const bin = f.local(I32);
  const leaf = f.local(I32);
  const at = f.local(I32);
  const lo = f.local(I32);
  const cell = f.local(I32);
  const row = f.local(I32);
  const touchedCount = f.local(I32);
  const at2 = f.local(I32);
  const draw = f.local(I32);
  const bestBin = f.local(I32);
  // The outputs' bytes are constants, and the loops over them written out.
  const outputBytes = op.const32(outputs * 8);
  const strideBytes = op.const32((outputs + 1) * 8);
  /** `body(k)` for the byte offsets k = 0, 8, … of `count` doubles. */
  const forDoubles = (count: number, body: (k: readonly number[]) => void) => {
    for (let index = 0; index < count; index++) body(op.const32(8 * index));
  };
  const forOutputs = (body: (k: readonly number[]) => void) => forDoubles(outputs, body);
  const numerator = f.local(F64);
  const denominator = f.local(F64);
  const w1 = f.local(F64);
  const w2 = f.local(F64);
  const d1 = f.local(F64);
  const d2 = f.local(F64);
  const average = f.local(F64);
  const inverse1 = f.local(F64);
  const inverse2 = f.local(F64);
  const sum0 = f.local(F64);
  const sum1 = f.local(F64);
  const weight = f.local(F64);
  const best = f.local(F64);
  const score = f.local(F64);
  const f64At = (base: number, index: number) => elementAt(base, index, 3);
  const u32At = (base: number, index: number) => elementAt(base, index, 2);
  /** inverse = w > 0 ? 1 / (w + l2) : 0, without a branch. */
  const inverseOf = (w: number, inverse: number) => {
    f.emit(op.constF64(1), op.get(w), op.get(p.scaledL2), op.addF64, op.divF64, op.constF64Zero);
    f.emit(op.get(w), op.constF64Zero, op.gtF64, op.select, op.set(inverse));
  };
  /** A part's terms for `leaf` (its gradients at byte `lo` of the per-(leaf, output) arrays). */
  const addTerms = (delta: number, w: number, inverse: number) => {
    // average = delta × inverse; numerator += average × delta; denominator += average² × w
    f.emit(op.get(delta), op.get(inverse), op.mulF64, op.set(average));
    f.emit(op.get(numerator), op.get(average), op.get(delta), op.mulF64, op.addF64, op.set(numerator));
    f.emit(op.get(denominator), op.get(average), op.get(average), op.mulF64, op.get(w), op.mulF64, op.addF64);
    f.emit(op.set(denominator));
  };
  const terms = () => {
    f.emit(op.constF64Zero, op.set(numerator), op.constF64Zero, op.set(denominator));
    f.emit(f64At(p.partWeightAt, leaf), op.loadF64(0), op.set(w1));
    f.emit(f64At(p.totalWeightAt, leaf), op.loadF64(0), op.get(w1), op.subF64, op.set(w2));
    inverseOf(w1, inverse1);
    inverseOf(w2, inverse2);
    forOutputs((k) => {
      f.emit(op.get(p.partDeltaAt), op.get(lo), op.add, k, op.add, op.loadF64(0), op.set(d1));
      f.emit(op.get(p.totalDeltaAt), op.get(lo), op.add, k, op.add, op.loadF64(0));
      f.emit(op.get(d1), op.subF64, op.set(d2));
      addTerms(d1, w1, inverse1);
      addTerms(d2, w2, inverse2);
    });
    f.emit(f64At(p.termNumeratorAt, leaf), op.get(numerator), op.storeF64);
    f.emit(f64At(p.termDenominatorAt, leaf), op.get(denominator), op.storeF64);
  };
  /** sum += (or −=) the leaf's terms. */
  const sumTerms = (combine: readonly number[]) => {
    f.emit(op.get(sum0), f64At(p.termNumeratorAt, leaf), op.loadF64(0), combine, op.set(sum0));
    f.emit(op.get(sum1), f64At(p.termDenominatorAt, leaf), op.loadF64(0), combine, op.set(sum1));
  };
  /** The kernel's moveToPart: the cell at `cell` into `leaf`'s part, and the sums updated. */
  const move = () => {
    f.emit(op.get(leaf), outputBytes, op.mul, op.set(lo));
    f.emit(f64At(p.partWeightAt, leaf), f64At(p.partWeightAt, leaf), op.loadF64(0));
    f.emit(op.get(cell), op.loadF64(0), op.addF64, op.storeF64);
    forOutputs((k) => {
      f.emit(op.get(p.partDeltaAt), op.get(lo), op.add, k, op.add, op.set(at2));
      f.emit(op.get(at2), op.get(at2), op.loadF64(0), op.get(cell), k, op.add, op.loadF64(8));
      f.emit(op.addF64, op.storeF64);
    });
    sumTerms(op.subF64);
    terms();
    sumTerms(op.addF64);
  };

  // The parts start empty; the sums hold every leaf's terms.
  f.forLoop(leaf, op.const32(0), op.get(p.leaves), op.const32(1), () => {
    f.emit(f64At(p.partWeightAt, leaf), op.constF64Zero, op.storeF64);
    f.emit(op.get(leaf), outputBytes, op.mul, op.set(lo));
    forOutputs((k) =>
      f.emit(op.get(p.partDeltaAt), op.get(lo), op.add, k, op.add, op.constF64Zero, op.storeF64),
    );
  });
  f.emit(op.constF64Zero, op.set(sum0), op.constF64(1e-100), op.set(sum1));
  f.forLoop(leaf, op.const32(0), op.get(p.leaves), op.const32(1), () => {
    f.emit(op.get(leaf), outputBytes, op.mul, op.set(lo));
    terms();
    sumTerms(op.addF64);
  });
  f.emit(op.constF64(Number.NEGATIVE_INFINITY), op.set(best), op.const32(-1), op.set(bestBin));
  f.emit(op.get(p.noiseAt), op.set(draw));
  f.forLoop(bin, op.const32(0), [...op.get(p.binCount), ...op.const32(1), ...op.sub], op.const32(1), () => {
    f.emit(op.get(p.groupRowsAt), op.if);
    {
      // The bin's rows (weight ≠ 0) summed per leaf, the leaves touched kept in ascending order.
      f.emit(op.const32(0), op.set(touchedCount));
      const start = [...op.get(p.groupStartAt), ...op.get(bin), ...op.const32(2), ...op.shl, ...op.add];
      f.forLoop(at, [...start, ...op.load32(0)], [...start, ...op.load32(4)], op.const32(1), () => {
        f.emit(op.block);
        f.emit(u32At(p.groupRowsAt, at), op.load32(0), op.set(row));
        f.emit(f64At(p.bootstrapAt, row), op.loadF64(0), op.set(weight));
        f.emit(op.get(weight), op.constF64Zero, op.eqF64, op.brIf(0));
        f.emit(u32At(p.leafOfAt, row), op.load32(0), op.set(leaf));
        f.emit(op.get(p.cellSumsAt), op.get(leaf), strideBytes, op.mul, op.add, op.set(cell));
        f.emit(u32At(p.flagsAt, leaf), op.load32(0), op.eqz, op.if);
        {
          f.emit(u32At(p.flagsAt, leaf), op.const32(1), op.store32);
          f.emit(op.get(touchedCount), op.set(at2));
          f.emit(op.get(touchedCount), op.const32(1), op.add, op.set(touchedCount));
          // while (at2 > 0 && touched[at2 − 1] > leaf) touched[at2] = touched[at2 − 1], at2−−
          f.emit(op.block, op.loop, op.get(at2), op.eqz, op.brIf(1));
          const previous = [...u32At(p.touchedAt, at2), ...op.const32(4), ...op.sub, ...op.load32(0)];
          f.emit(previous, op.get(leaf), op.leU, op.brIf(1));
          f.emit(u32At(p.touchedAt, at2), previous, op.store32);
          f.emit(op.get(at2), op.const32(1), op.sub, op.set(at2), op.br(0), op.end, op.end);
          f.emit(u32At(p.touchedAt, at2), op.get(leaf), op.store32);
          forDoubles(outputs + 1, (k) => f.emit(op.get(cell), k, op.add, op.constF64Zero, op.storeF64));
        }
        f.emit(op.end);
        f.emit(op.get(cell), op.get(cell), op.loadF64(0), op.get(weight), op.addF64, op.storeF64);
        forOutputs((k) => {
          f.emit(op.get(cell), k, op.add, op.get(cell), k, op.add, op.loadF64(8));
          f.emit(op.get(p.weightedAt), op.get(row), outputBytes, op.mul, op.add, k, op.add);
          f.emit(op.loadF64(0), op.addF64, op.storeF64At(8));
        });
        f.emit(op.end);
      });
      f.forLoop(at, op.const32(0), op.get(touchedCount), op.const32(1), () => {
        f.emit(u32At(p.touchedAt, at), op.load32(0), op.set(leaf));
        f.emit(u32At(p.flagsAt, leaf), op.const32(0), op.store32);
        f.emit(op.get(p.cellSumsAt), op.get(leaf), strideBytes, op.mul, op.add, op.set(cell));
        move();
      });
    }
    f.emit(op.else);
    // The histogram's cells of the bin, leaf by leaf; those with rows move.
    f.forLoop(leaf, op.const32(0), op.get(p.leaves), op.const32(1), () => {
      f.emit(op.get(p.histogramAt), op.get(bin), op.get(p.leaves), op.mul, op.get(leaf), op.add);
      f.emit(strideBytes, op.mul, op.add, op.set(cell));
      f.emit(op.get(cell), op.loadF64(0), op.constF64Zero, op.neF64, op.if);
      move();
      f.emit(op.end);
    });
    f.emit(op.end);
    // score = sum0 / √max(sum1, 1e-100) × scale + noise
    f.emit(op.get(sum0), op.get(sum1), op.constF64(1e-100), op.maxF64, op.sqrtF64, op.divF64);
    f.emit(op.get(p.scale), op.mulF64, op.get(p.noiseOn), op.ifF64);
    f.emit(op.get(draw), op.loadF64(0), op.get(draw), op.const32(8), op.add, op.set(draw));
    f.emit(op.else, op.constF64Zero, op.end, op.addF64, op.set(score));
    f.emit(
      op.get(score),
      op.get(best),
      op.gtF64,
      op.if,
      op.get(score),
      op.set(best),
      op.get(bin),
      op.set(bestBin),
    );
    f.emit(op.end);
  });
  f.emit(op.get(p.resultAt), op.get(best), op.storeF64);
  f.emit(op.get(p.resultAt), op.get(bestBin), op.store32At(8));
  return f;
}

/** The histogram pass's name for a stride and a number of features. */
export const passName = (stride: number, features: number, allRows = false): string =>
  `${allRows ? "a" : "s"}${stride}n${features}`;

/**
 * The module's bytes: the functions above, and the update and weigh jobs' (loss-wasm.ts,
 * bootstrap-wasm.ts) with the `exp` and `log` they use (wasm-math.ts).
 */
export function histogramModuleBytes(): Uint8Array {
  return moduleBytes([
    // exp and log first: functions 0 and 1, which the softmax's scalar rows call.
    ...mathFunctions(),
    ...[false, true].flatMap((allRows) =>
      WASM_STRIDES.flatMap((stride) =>
        Array.from({ length: MAX_FEATURES }, (_, at) => passFunction(stride, at + 1, allRows)),
      ),
    ),
    ...WASM_STRIDES.map(listFunction),
    subtractFunction(),
    zeroSideFunction(),
    splitFunction(),
    ...WASM_STRIDES.map((stride) => scoreFunction(stride - 1)),
    leafSumsFunction(),
    softmax3Function(),
    softmax3LossFunction(),
    addLeavesFunction(),
    weighFunction(),
    marginalsFunction(),
    combineFunction(),
  ]);
}

/**
 * {@link histogramModuleBytes}, base64, as a build wrote them (the `define` of build-defines.ts);
 * undefined where the source runs as it is (the tests).
 */
declare const __CT_GBDT_HISTOGRAM_WASM__: string | undefined;

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled module, once per process; undefined where this WebAssembly has no SIMD or no
 * shared memory (the kernel's JavaScript loops then do the pass). A build carries the module's
 * bytes, written at build time: writing them here takes ~20 ms of a fit's start, every line of
 * the encoder run cold (interpreted) once.
 */
export function histogramModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    const bytes =
      typeof __CT_GBDT_HISTOGRAM_WASM__ === "string"
        ? new Uint8Array(Buffer.from(__CT_GBDT_HISTOGRAM_WASM__, "base64"))
        : histogramModuleBytes();
    compiled =
      typeof SharedArrayBuffer !== "undefined" && WebAssembly.validate(bytes)
        ? new WebAssembly.Module(bytes)
        : null;
  }
  return compiled ?? undefined;
}

/**
 * Typed arrays on one shared WebAssembly memory, which the histogram module reads and writes at
 * their byte offsets and worker threads share like SharedArrayBuffers. The memory grows as
 * arrays are made (a shared memory grows in place: earlier arrays stay valid); 16-byte aligned.
 */
export class WasmMemoryArrays implements ArrayMaker {
  readonly memory = new WebAssembly.Memory({ initial: 0, maximum: MAX_PAGES, shared: true });

  /**
   * A new one, or undefined where the memory cannot be reserved (a shared memory reserves its
   * 4 GiB of address space up front, which a `ulimit -v` can forbid).
   */
  static make(): WasmMemoryArrays | undefined {
    try {
      return new WasmMemoryArrays();
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
  }
  /** Where the next array goes: not at 0, which the module's functions take for "none". */
  private top = 16;

  private allocate(bytes: number): number {
    const at = Math.ceil(this.top / 16) * 16;
    this.top = at + bytes;
    const size = this.memory.buffer.byteLength;
    if (this.top > size) this.memory.grow(Math.ceil((this.top - size) / PAGE_BYTES));
    return at;
  }

  uint8(length: number): Uint8Array {
    const at = this.allocate(length);
    return new Uint8Array(this.memory.buffer, at, length);
  }

  uint32(length: number): Uint32Array {
    const at = this.allocate(length * 4);
    return new Uint32Array(this.memory.buffer, at, length);
  }

  float64(length: number): Float64Array {
    const at = this.allocate(length * 8);
    return new Float64Array(this.memory.buffer, at, length);
  }
}
