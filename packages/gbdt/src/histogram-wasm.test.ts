import { describe, expect, it } from "vitest";
import { histogramModule, histogramModuleBytes, passName, WasmMemoryArrays } from "./histogram-wasm.ts";
import { HistogramBuilder, LevelRows } from "./histograms.ts";
import { mulberry32 } from "./random.ts";
import { kernel, type SearchShared } from "./split-kernel.ts";
import { binGroups, histogramScratchLength, keptStores, wasmPassSetup } from "./split-threads.ts";
import { denseFeature, histogramExports } from "./test-data.ts";

describe("the histogram module", () => {
  it("is valid WebAssembly with two passes (listed rows, all rows) per stride (2, 4) and feature count (1 to 4), a list and a score per stride, subtract, zeroSide, split, leafSums, softmax3, softmax3Loss, addLeaves, weigh, marginals, combine, exp and log", () => {
    expect(WebAssembly.validate(histogramModuleBytes())).toBe(true);
    const exports = histogramExports(new WasmMemoryArrays());
    const names = [false, true].flatMap((allRows) =>
      [2, 4].flatMap((stride) => [1, 2, 3, 4].map((features) => passName(stride, features, allRows))),
    );
    names.push("list2", "list4", "score1", "score3", "subtract", "zeroSide", "split", "leafSums");
    names.push("softmax3", "softmax3Loss", "addLeaves", "weigh", "marginals", "combine", "exp", "log");
    expect(Object.keys(exports).sort()).toEqual([...names].sort());
  });

  it("adds each listed row's packed values to its (bin, leaf) cell of every feature", () => {
    const arrays = new WasmMemoryArrays();
    const exports = histogramExports(arrays);
    const rows = arrays.uint32(3);
    rows.set([0, 2, 3]);
    const leafOfRow = arrays.uint32(3);
    leafOfRow.set([1, 0, 1]);
    const packed = arrays.float64(12);
    packed.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const bins = [arrays.uint8(4), arrays.uint8(4)];
    bins[0]?.set([2, 9, 0, 2]);
    bins[1]?.set([0, 0, 1, 1]);
    const histograms = [arrays.float64(3 * 2 * 4), arrays.float64(2 * 2 * 4)];
    const pass = exports[passName(4, 2)] as (...offsets: number[]) => void;
    const at = (array: { byteOffset: number } | undefined) => array?.byteOffset ?? 0;
    pass(
      3,
      2,
      at(rows),
      at(leafOfRow),
      at(packed),
      at(bins[0]),
      at(bins[1]),
      0,
      0,
      at(histograms[0]),
      at(histograms[1]),
      0,
      0,
    );
    // Feature 0: rows 0 and 3 in (bin 2, leaf 1), row 2 in (bin 0, leaf 0).
    expect(Array.from(histograms[0] as Float64Array)).toEqual([
      5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 12, 14, 16,
    ]);
    // Feature 1: row 0 in (bin 0, leaf 1), row 2 in (bin 1, leaf 0), row 3 in (bin 1, leaf 1).
    expect(Array.from(histograms[1] as Float64Array)).toEqual([
      0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ]);
  });

  it("adds every row's packed values to its bin's cell in the all-rows pass, reading no rows or leaves", () => {
    const arrays = new WasmMemoryArrays();
    const exports = histogramExports(arrays);
    const packed = arrays.float64(6);
    packed.set([1, 2, 3, 4, 5, 6]);
    const bins = arrays.uint8(3);
    bins.set([1, 0, 1]);
    const histogram = arrays.float64(2 * 2);
    const pass = exports[passName(2, 1, true)] as (...offsets: number[]) => void;
    // Leaves, rows and leaves of rows given as nonsense: the pass must not read them.
    pass(3, 7, 0, 0, packed.byteOffset, bins.byteOffset, 0, 0, 0, histogram.byteOffset, 0, 0, 0);
    expect(Array.from(histogram)).toEqual([3, 4, 6, 8]);
  });
});

describe("list2 and list4", () => {
  for (const outputs of [1, 3])
    it(`list a level's rows, leaves and packed values and sum the block totals as listRows does (${outputs} output${outputs > 1 ? "s" : ""})`, () => {
      const depth = 4;
      const stride = outputs + 1;
      const blockRows = kernel.blockRows(depth);
      const rows = 2 * blockRows + 1000;
      const next = mulberry32(outputs);
      const arrays = new WasmMemoryArrays();
      const leafOf = arrays.uint32(rows);
      const bootstrap = arrays.float64(rows);
      const weighted = arrays.float64(rows * outputs);
      leafOf.forEach((_, row) => {
        leafOf[row] = Math.floor(next() * 8);
        bootstrap[row] = next() < 0.2 ? 0 : next() * 2;
      });
      weighted.forEach((_, at) => {
        weighted[at] = next() - 0.5;
      });
      const scratch = arrays.uint32(blockRows);
      const exports = histogramExports(arrays);
      const list = exports[`list${stride}`] as (...args: number[]) => number;
      for (const [level, smallIsHigh] of [
        [0, false],
        [3, true],
        [3, false],
      ] as const) {
        const inJs = new LevelRows(rows, outputs, depth);
        const onWasm = new LevelRows(rows, outputs, depth, arrays);
        // Stale block totals: both zero a block's totals of the level's leaves before summing.
        inJs.blockTotals.fill(9);
        onWasm.blockTotals.fill(9);
        // Blocks 1 and 2 (of 3), listed from slot 5 on.
        const count = kernel.listRows(
          inJs,
          outputs,
          leafOf,
          bootstrap,
          weighted,
          depth,
          1,
          3,
          5,
          level,
          smallIsHigh,
        );
        const [sideBit, sideMask, wanted] = [Math.max(0, level - 1), level > 0 ? 1 : 0, smallIsHigh ? 1 : 0];
        const returned = list(
          leafOf.byteOffset,
          bootstrap.byteOffset,
          weighted.byteOffset,
          onWasm.rows.byteOffset,
          onWasm.leafOfRow.byteOffset,
          onWasm.packed.byteOffset,
          onWasm.blockTotals.byteOffset,
          scratch.byteOffset,
          blockRows,
          kernel.maxLeaves(depth) * stride * 8,
          rows,
          1,
          3,
          5,
          sideBit,
          sideMask,
          wanted,
          (1 << level) * stride * 8,
        );
        expect(returned).toBe(count);
        expect(count).toBeGreaterThan(5 + 100);
        expect(onWasm.rows.slice(0, count)).toEqual(inJs.rows.slice(0, count));
        expect(onWasm.leafOfRow.slice(0, count)).toEqual(inJs.leafOfRow.slice(0, count));
        expect(onWasm.packed.slice(0, count * stride)).toEqual(inJs.packed.slice(0, count * stride));
        expect(onWasm.blockTotals).toEqual(inJs.blockTotals);
      }
    });
});

describe("split", () => {
  it("sets the level's bit of the rows whose bin is above the split's and counts them, as splitRows does", () => {
    const rows = 1000;
    const next = mulberry32(9);
    const arrays = new WasmMemoryArrays();
    const bins = arrays.uint8(rows);
    bins.forEach((_, row) => {
      bins[row] = Math.floor(next() * 256);
    });
    const onWasm = arrays.uint32(rows);
    const inJs = new Uint32Array(rows);
    const exports = histogramExports(arrays);
    const split = exports.split as (...args: number[]) => number;
    // Ranges that are and are not multiples of 16 rows long, borders at both ends of the bins.
    for (const [level, bin, from, to] of [
      [0, 127, 0, 1000],
      [1, 0, 16, 990],
      [2, 254, 3, 3 + 16 * 20],
      [3, 200, 500, 507],
      [4, 60, 999, 1000],
    ] as const) {
      const right = split(bins.byteOffset, onWasm.byteOffset, from, to, bin, level);
      expect(right).toBe(kernel.splitRows(0, bins, bin, inJs, level, from, to));
      expect(onWasm).toEqual(inJs);
    }
    // Every level set some row's bit.
    for (let level = 0; level < 5; level++) expect(onWasm.some((leaf) => (leaf >>> level) & 1)).toBe(true);
  });
});

describe("leafSums", () => {
  for (const [outputs, hessianSize] of [
    [3, 6],
    [3, 3],
    [1, 1],
  ] as const)
    it(`sums per block and leaf the rows, gradients and Hessian entries as sumLeafBlocks does (${outputs} outputs, ${hessianSize} Hessian entries)`, () => {
      const depth = 3;
      const blockRows = kernel.blockRows(depth);
      const rows = 2 * blockRows + 700;
      const leafCount = 8;
      const next = mulberry32(outputs + hessianSize);
      const arrays = new WasmMemoryArrays();
      const leafRows = arrays.uint32(rows);
      const gradient = arrays.float64(rows * outputs);
      const hessian = arrays.float64(rows * hessianSize);
      leafRows.forEach((_, row) => {
        leafRows[row] = Math.floor(next() * leafCount);
      });
      gradient.forEach((_, at) => {
        gradient[at] = next() - 0.5;
      });
      hessian.forEach((_, at) => {
        hessian[at] = next();
      });
      const size = 3 * leafCount * (1 + outputs + hessianSize);
      const onWasm = arrays.float64(size).fill(9);
      const inJs = new Float64Array(size).fill(9);
      const shared = {
        rows,
        outputs,
        gradient,
        hessian,
        hessianSize,
        blockLeaves: inJs,
        depth,
      } as unknown as SearchShared;
      // Blocks 1 and 2 of 3: block 0's stale values stay.
      kernel.sumLeafBlocks(shared, leafRows, leafCount, 1, 3);
      const exports = histogramExports(arrays);
      (exports.leafSums as (...args: number[]) => void)(
        leafRows.byteOffset,
        gradient.byteOffset,
        hessian.byteOffset,
        onWasm.byteOffset,
        rows,
        blockRows,
        1,
        3,
        leafCount,
        outputs,
        hessianSize,
      );
      expect(onWasm).toEqual(inJs);
      expect(inJs[size - 1]).not.toBe(9);
    });
});

describe("WasmMemoryArrays", () => {
  it("are not made where the memory cannot be reserved (then the kernel's JavaScript loops run)", () => {
    const { Memory } = WebAssembly;
    class Unreservable {
      constructor() {
        throw new RangeError("WebAssembly.Memory(): could not allocate memory");
      }
    }
    class Broken {
      constructor() {
        throw new TypeError("not a range error");
      }
    }
    try {
      (WebAssembly as { Memory: unknown }).Memory = Unreservable;
      expect(WasmMemoryArrays.make()).toBeUndefined();
      (WebAssembly as { Memory: unknown }).Memory = Broken;
      expect(() => WasmMemoryArrays.make()).toThrow(TypeError);
    } finally {
      (WebAssembly as { Memory: unknown }).Memory = Memory;
    }
    expect(WasmMemoryArrays.make()).toBeInstanceOf(WasmMemoryArrays);
  });

  it("makes 16-byte aligned arrays on one memory that grows, the earlier ones keeping their values", () => {
    const arrays = new WasmMemoryArrays();
    const first = arrays.uint8(3);
    first.set([1, 2, 3]);
    const second = arrays.float64(10_000);
    second[9_999] = 0.5;
    const third = arrays.uint32(100_000);
    third[99_999] = 7;
    for (const array of [first, second, third]) expect(array.byteOffset % 16).toBe(0);
    expect(second.byteOffset).toBeGreaterThanOrEqual(first.byteOffset + 3);
    expect(third.byteOffset).toBeGreaterThanOrEqual(second.byteOffset + 80_000);
    expect(Array.from(first)).toEqual([1, 2, 3]);
    expect(second[9_999]).toBe(0.5);
    expect(new Uint32Array(arrays.memory.buffer, third.byteOffset, 100_000)[99_999]).toBe(7);
    expect(arrays.memory.buffer.byteLength).toBeGreaterThanOrEqual(third.byteOffset + 400_000);
  });
});

describe("HistogramBuilder with the WebAssembly pass", () => {
  const rows = 3000;
  const levels = 4;

  /** Every level's histograms of `binCounts.length` features in one batch: on the wasm memory or not. */
  function histograms(
    outputs: number,
    binCounts: number[],
    onWasm: boolean[],
    wasm: boolean,
    withZeroWeights = true,
  ) {
    const next = mulberry32(outputs * 10 + binCounts.length);
    const arrays = wasm ? new WasmMemoryArrays() : undefined;
    const features = binCounts.map((binCount, feature) => {
      const values = Uint8Array.from({ length: rows }, () => Math.floor(next() * binCount));
      const bins = arrays && onWasm[feature] ? arrays.uint8(rows) : new Uint8Array(rows);
      bins.set(values);
      return {
        feature,
        bins,
        binCount,
        keep: feature % 2 === 0,
        onWasm: wasm && onWasm[feature] === true,
        jointSize: 0,
        jointBins: new Uint8Array(0),
        jointCombos: new Uint8Array(0),
      };
    });
    const bootstrap = Float64Array.from({ length: rows }, () =>
      withZeroWeights && next() < 0.1 ? 0 : next() * 2 + 0.01,
    );
    const weighted = Float64Array.from({ length: rows * outputs }, () => next() - 0.5);
    const levelRows = new LevelRows(rows, outputs, levels + 1, arrays);
    const search = binCounts.map((binCount) => denseFeature({ binCount }));
    const pass = arrays
      ? kernel.wasmPass(
          wasmPassSetup(
            histogramModule() as WebAssembly.Module,
            arrays,
            1,
            histogramScratchLength(search, rows, levels + 1, outputs),
            levels + 1,
            outputs,
          ),
          0,
        )
      : undefined;
    // With wasm, the kept histograms on its memory too.
    const kept = arrays
      ? new kernel.KeptHistograms(features.length, keptStores(search, rows, levels + 1, outputs, arrays))
      : undefined;
    const builder = new HistogramBuilder(outputs, features.length, levelRows, kept, pass);
    const leafOf = new Uint32Array(rows);
    const out: number[][] = [];
    levelRows.startTree();
    for (let level = 0; level < levels; level++) {
      levelRows.startLevel(level, leafOf, bootstrap, weighted);
      const built = builder.build(features, features.length, leafOf, bootstrap, weighted);
      features.forEach(({ binCount }, slot) => {
        out.push(
          Array.from((built[slot] as Float64Array).subarray(0, binCount * (1 << level) * (outputs + 1))),
        );
      });
      for (let row = 0; row < rows; row++)
        leafOf[row] = (leafOf[row] as number) | (next() < 0.4 ? 1 << level : 0);
    }
    return { out, wasmPasses: builder.wasmPasses, allRowsPasses: builder.allRowsPasses };
  }

  for (const outputs of [1, 3])
    for (const count of [1, 2, 3, 4])
      it(`gives the JavaScript loops' doubles (${outputs} output${outputs > 1 ? "s" : ""}, ${count} feature${count > 1 ? "s" : ""} per pass)`, () => {
        const binCounts = [7, 255, 2, 40].slice(0, count);
        const every = binCounts.map(() => true);
        const onWasm = histograms(outputs, binCounts, every, true);
        expect(onWasm.out).toEqual(histograms(outputs, binCounts, every, false).out);
        expect(onWasm.wasmPasses).toBe(levels);
        expect(onWasm.allRowsPasses).toBe(0);
      });

  for (const outputs of [1, 3])
    for (const count of [1, 2, 3, 4])
      it(`gives the JavaScript loops' doubles with every row listed at level 0, there by the all-rows pass (${outputs} output${outputs > 1 ? "s" : ""}, ${count} feature${count > 1 ? "s" : ""} per pass)`, () => {
        const binCounts = [7, 255, 2, 40].slice(0, count);
        const every = binCounts.map(() => true);
        const onWasm = histograms(outputs, binCounts, every, true, false);
        expect(onWasm.out).toEqual(histograms(outputs, binCounts, every, false, false).out);
        expect(onWasm.wasmPasses).toBe(levels);
        expect(onWasm.allRowsPasses).toBe(1);
      });

  it("sums the features whose bins are not on its memory in JavaScript, the others there", () => {
    const binCounts = [7, 255, 2, 40];
    const onWasm = [true, false, true, false];
    const mixed = histograms(3, binCounts, onWasm, true);
    expect(mixed.out).toEqual(histograms(3, binCounts, onWasm, false).out);
    expect(mixed.wasmPasses).toBe(levels);
    expect(histograms(3, binCounts, [false, false, false, false], true).wasmPasses).toBe(0);
  });

  it("is not used for other strides", () => {
    const binCounts = [7, 40];
    const onWasm = histograms(2, binCounts, [true, true], true);
    expect(onWasm.wasmPasses).toBe(0);
    expect(onWasm.out).toEqual(histograms(2, binCounts, [true, true], false).out);
  });
});

describe("score", () => {
  const rows = 600;
  const leaves = 4;
  const binCount = 9;
  const scaledL2 = 0.7;
  const scale = 0.9;

  /** Each border's cosine score by definition: per leaf, both sides' terms summed afresh. */
  function reference(
    cells: Float64Array,
    totals: Float64Array,
    outputs: number,
    noise: Float64Array | undefined,
  ): number[] {
    const stride = outputs + 1;
    const scores: number[] = [];
    const left = new Float64Array(leaves * stride);
    for (let bin = 0; bin < binCount - 1; bin++) {
      for (let at = 0; at < leaves * stride; at++)
        left[at] = (left[at] as number) + (cells[bin * leaves * stride + at] as number);
      let numerator = 0;
      let denominator = 1e-100;
      for (let leaf = 0; leaf < leaves; leaf++)
        for (const side of [0, 1]) {
          const sum = (k: number) =>
            side === 0
              ? (left[leaf * stride + k] as number)
              : (totals[leaf * stride + k] as number) - (left[leaf * stride + k] as number);
          const w = sum(0);
          if (w <= 0) continue;
          for (let k = 1; k < stride; k++) {
            const average = sum(k) / (w + scaledL2);
            numerator += average * sum(k);
            denominator += average * average * w;
          }
        }
      scores.push((numerator / Math.sqrt(denominator)) * scale + (noise ? (noise[bin] as number) : 0));
    }
    return scores;
  }

  for (const outputs of [1, 3])
    for (const byRows of [false, true])
      for (const withNoise of [false, true])
        it(`finds the best border's cosine score (${outputs} output${outputs > 1 ? "s" : ""}, from ${byRows ? "the rows by bin" : "the histogram"}, ${withNoise ? "with" : "without"} noise)`, () => {
          const stride = outputs + 1;
          const next = mulberry32(outputs * 4 + Number(byRows) * 2 + Number(withNoise));
          const arrays = new WasmMemoryArrays();
          const bins = arrays.uint8(rows);
          const leafOf = arrays.uint32(rows);
          const bootstrap = arrays.float64(rows);
          const weighted = arrays.float64(rows * outputs);
          for (let row = 0; row < rows; row++) {
            bins[row] = Math.floor(next() * binCount);
            leafOf[row] = Math.floor(next() * leaves);
            bootstrap[row] = next() < 0.15 ? 0 : next() * 2;
            for (let k = 0; k < outputs; k++)
              weighted[row * outputs + k] = (next() - 0.5) * (bins[row] as number);
          }
          const cells = arrays.float64(binCount * leaves * stride);
          const totalWeight = arrays.float64(leaves);
          const totalDelta = arrays.float64(leaves * outputs);
          const totals = new Float64Array(leaves * stride);
          for (let row = 0; row < rows; row++) {
            const cell = ((bins[row] as number) * leaves + (leafOf[row] as number)) * stride;
            const leaf = leafOf[row] as number;
            const values = [
              bootstrap[row] as number,
              ...Array.from({ length: outputs }, (_, k) => weighted[row * outputs + k] as number),
            ];
            values.forEach((value, k) => {
              if (bootstrap[row] === 0) return;
              cells[cell + k] = (cells[cell + k] as number) + value;
              totals[leaf * stride + k] = (totals[leaf * stride + k] as number) + value;
            });
          }
          for (let leaf = 0; leaf < leaves; leaf++) {
            totalWeight[leaf] = totals[leaf * stride] as number;
            for (let k = 0; k < outputs; k++)
              totalDelta[leaf * outputs + k] = totals[leaf * stride + 1 + k] as number;
          }
          const noise = withNoise ? arrays.float64(binCount) : undefined;
          noise?.forEach((_, at) => {
            noise[at] = (next() - 0.5) * 0.01;
          });
          const groups = byRows ? binGroups(bins, binCount, arrays) : undefined;
          // The kernel's wasm scorer, on a thread's scratch of a depth-3 fit (4 leaves at level 2).
          const depth = 3;
          const pass = kernel.wasmPass(
            wasmPassSetup(histogramModule() as WebAssembly.Module, arrays, 1, 0, depth, outputs),
            0,
          );
          const shared = {
            outputs,
            depth,
            totalWeight,
            totalDelta,
            bootstrap,
            weighted,
            leafOf,
            noise: noise ?? arrays.float64(0),
          } as unknown as SearchShared;
          const [score, bin] = kernel.wasmScorer(pass, shared)(
            cells,
            groups,
            binCount,
            leaves,
            noise ? 0 : -1,
            scaledL2,
            scale,
          );
          const expected = reference(cells, totals, outputs, noise);
          const best = expected.indexOf(Math.max(...expected));
          expect(bin).toBe(best);
          expect(score).toBeCloseTo(expected[best] as number, 10);
          // The per-leaf flags are all 0 again for the next call.
          const flags = pass.scoreAt + kernel.scoreScratch(depth, outputs).flags;
          expect(new Uint32Array(arrays.memory.buffer, flags, 4)).toEqual(new Uint32Array(4));
        });
});
