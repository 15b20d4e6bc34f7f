import { describe, expect, it } from "vitest";
import { histogramModule, WasmMemoryArrays } from "./histogram-wasm.ts";
import { LevelRows, ordinaryArrays } from "./histograms.ts";
import { groupFeatures, type JointSetup, MIN_GROUP_ROWS } from "./joint-bins.ts";
import { mulberry32 } from "./random.ts";
import { type HistogramRequest, kernel, type SearchFeature, type SearchShared } from "./split-kernel.ts";
import { histogramScratchLength, keptStores, searchSlots, wasmPassSetup } from "./split-threads.ts";
import { denseFeature, histogramExports } from "./test-data.ts";

const module = histogramModule() as WebAssembly.Module;
const exportsOf = (arrays: WasmMemoryArrays) =>
  histogramExports(arrays) as Record<string, (...args: number[]) => number>;
const setupOf = (arrays: WasmMemoryArrays): JointSetup => ({ arrays, combine: exportsOf(arrays).combine! });

/** A dense feature of `binCount` bins whose folds' bins (`folds`) are on the wasm memory of `arrays`. */
function dense(arrays: WasmMemoryArrays | undefined, folds: Uint8Array[], binCount: number): SearchFeature {
  const bins = folds.map((values) => {
    if (!arrays) return values;
    const copy = arrays.uint8(values.length);
    copy.set(values);
    return copy;
  });
  return denseFeature({ bins, binCount, binsOnWasm: arrays !== undefined });
}

/**
 * CTR-like bins: `count` features of 16 bins that move together — each a row's base bin (one of
 * `bases`) plus 0 or 1.
 */
function together(rows: number, count: number, bases: number, seed: number): Uint8Array[] {
  const next = mulberry32(seed);
  const base = Uint8Array.from({ length: rows }, () => Math.floor(next() * bases));
  return Array.from({ length: count }, () => base.map((bin) => Math.min(15, bin + (next() < 0.3 ? 1 : 0))));
}

/** Each group's members' bins, combination by combination, as the rows show them (a check of `jointBins`). */
function expectCombinations(features: readonly SearchFeature[], first: number): void {
  const { jointSize, jointBins, jointCombos } = features[first] as SearchFeature;
  const members = features.slice(first, first + jointSize);
  let seen = 0;
  let wrong = 0;
  jointBins.forEach((ids, fold) => {
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row] as number;
      // Numbered as the rows first show them: a new number is the next one.
      if (id > seen) wrong++;
      if (id === seen) seen++;
      members.forEach((member, m) => {
        const bins = member.bins[fold] ?? member.bins[0];
        if (jointCombos[id * jointSize + m] !== bins?.[row]) wrong++;
      });
    }
  });
  expect(wrong).toBe(0);
  expect(jointCombos.length).toBe(seen * jointSize);
}

describe("groupFeatures", () => {
  it("groups up to four consecutive dense features of one unit, numbering their rows' combinations as the rows first show them, fold by fold", () => {
    const arrays = new WasmMemoryArrays();
    const rows = 20000;
    const [a, b, c, d, e] = together(rows, 5, 6, 3) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const [f, g] = together(rows, 2, 12, 4) as [Uint8Array, Uint8Array];
    // Two folds for the first feature (as an ordered CTR has: a few rows' values differ), one for
    // the others.
    const other = a.map((bin, row) => (row % 7 === 0 ? Math.min(15, bin + 1) : bin));
    const features = [
      dense(arrays, [a, other], 16),
      dense(arrays, [b], 16),
      dense(arrays, [c], 16),
      dense(arrays, [d], 16),
      dense(arrays, [e], 16),
      dense(arrays, [f], 16),
      dense(arrays, [g], 16),
    ];
    groupFeatures(features, [0, 0, 0, 0, 0, 1, 1], rows, setupOf(arrays));
    expect(features.map((feature) => feature.jointSize)).toEqual([4, 0, 0, 0, 0, 2, 0]);
    expect(features[0]?.jointBins).toHaveLength(2);
    expectCombinations(features, 0);
    expectCombinations(features, 5);
    // On the wasm memory, for the histogram pass.
    expect(features[0]?.jointBins[1]?.buffer).toBe(arrays.memory.buffer);
    expect(features[0]?.jointCombos.buffer).toBe(arrays.memory.buffer);
  });

  it("ends a group before a feature that would give it more than 256 combinations", () => {
    const arrays = new WasmMemoryArrays();
    const next = mulberry32(9);
    const rows = 20000;
    const random = () => Uint8Array.from({ length: rows }, () => Math.floor(next() * 16));
    // Two independent features of 16 bins have all 256 combinations; a third makes 4096.
    const features = [random(), random(), random(), random()].map((bins) => dense(arrays, [bins], 16));
    groupFeatures(features, [0, 0, 0, 0], rows, setupOf(arrays));
    expect(features.map((feature) => feature.jointSize)).toEqual([2, 0, 2, 0]);
    expect(features[0]?.jointCombos.length).toBe(256 * 2);
    expectCombinations(features, 0);
  });

  it("groups nothing without WebAssembly, nor features whose bins are not on its memory, nor below MIN_GROUP_ROWS learn rows", () => {
    const rows = MIN_GROUP_ROWS;
    const [a, b] = together(rows, 2, 12, 5) as [Uint8Array, Uint8Array];
    const apart = [dense(undefined, [a], 16), dense(undefined, [b], 16)];
    groupFeatures(apart, [0, 0], rows, undefined);
    expect(apart.map((feature) => feature.jointSize)).toEqual([0, 0]);
    const arrays = new WasmMemoryArrays();
    groupFeatures(apart, [0, 0], rows, setupOf(arrays));
    expect(apart.map((feature) => feature.jointSize)).toEqual([0, 0]);
    const onWasm = [dense(arrays, [a], 16), dense(arrays, [b], 16)];
    groupFeatures(onWasm, [0, 0], rows - 1, setupOf(arrays));
    expect(onWasm.map((feature) => feature.jointSize)).toEqual([0, 0]);
    groupFeatures(onWasm, [0, 0], rows, setupOf(arrays));
    expect(onWasm.map((feature) => feature.jointSize)).toEqual([2, 0]);
  });
});

describe("marginals", () => {
  it("adds the listed side of the joint histogram to each member's cells in combination order, then zeroes it", () => {
    const arrays = new WasmMemoryArrays();
    const marginals = exportsOf(arrays).marginals as (...args: number[]) => number;
    const next = mulberry32(21);
    const [stride, leaves, size, binCount] = [4, 8, 3, 5];
    const combos = [
      [0, 1, 4],
      [2, 1, 0],
      [0, 3, 4],
      [4, 4, 4],
    ];
    const blockLength = leaves * stride;
    const joint = arrays.float64(combos.length * blockLength);
    joint.forEach((_, at) => {
      joint[at] = next() - 0.5;
    });
    // Member m's histogram in scratch slot m (slots `slotLength` doubles apart), cells already there.
    const slotLength = binCount * blockLength + 6;
    const slots = arrays.float64(size * slotLength);
    slots.forEach((_, at) => {
      slots[at] = next();
    });
    const combosOnWasm = arrays.uint8(combos.length * size);
    combosOnWasm.set(combos.flat());
    const expectedSlots = Array.from(slots);
    const expectedJoint = Array.from(joint);
    // The high half of the leaves is the listed side.
    const [sideAt, sideLength] = [blockLength / 2, blockLength / 2];
    combos.forEach((bins, combo) => {
      for (let at = sideAt; at < sideAt + sideLength; at++) {
        const value = joint[combo * blockLength + at] as number;
        bins.forEach((bin, m) => {
          const cell = m * slotLength + bin * blockLength + at;
          expectedSlots[cell] = (expectedSlots[cell] as number) + value;
        });
        expectedJoint[combo * blockLength + at] = 0;
      }
    });
    marginals(
      joint.byteOffset,
      combosOnWasm.byteOffset,
      combos.length,
      size,
      slots.byteOffset,
      slotLength * 8,
      blockLength * 8,
      sideAt * 8,
      sideLength * 8,
    );
    expect(Array.from(slots)).toEqual(expectedSlots);
    expect(Array.from(joint)).toEqual(expectedJoint);
  });
});

describe("a group summed jointly", () => {
  const rows = 20000;
  const outputs = 3;
  const levels = 5;

  /**
   * Every level's histograms of five CTR-like features (the first four a group) and a numeric
   * one of 100 bins, built in one batch with the group summed jointly (`joint`) or feature by feature; with
   * `forget`, level 2 does not find the group's second feature's histogram of level 1 kept.
   */
  function histograms(joint: boolean, forget = false) {
    const arrays = new WasmMemoryArrays();
    const next = mulberry32(31);
    const features = [
      ...together(rows, 5, 14, 32).map((bins) => dense(arrays, [bins], 16)),
      dense(arrays, [Uint8Array.from({ length: rows }, () => Math.floor(next() * 100))], 100),
    ];
    groupFeatures(features, [0, 0, 0, 0, 0, 1], rows, setupOf(arrays));
    expect(features[0]?.jointSize).toBe(4);
    const bootstrap = Float64Array.from({ length: rows }, () => next() * 2 + 0.01);
    const weighted = Float64Array.from({ length: rows * outputs }, () => next() - 0.5);
    const levelRows = new LevelRows(rows, outputs, levels + 1, arrays);
    const pass = kernel.wasmPass(
      wasmPassSetup(
        module,
        arrays,
        1,
        histogramScratchLength(features, rows, levels + 1, outputs),
        levels + 1,
        outputs,
      ),
      0,
    );
    const kept = new kernel.KeptHistograms(
      features.length,
      keptStores(features, rows, levels + 1, outputs, arrays),
    );
    const builder = new kernel.HistogramBuilder(outputs, features.length, levelRows, kept, pass);
    const requests: HistogramRequest[] = features.map((feature, index) => ({
      feature: index,
      bins: feature.bins[0] as Uint8Array,
      binCount: feature.binCount,
      keep: true,
      onWasm: true,
      jointSize: joint ? feature.jointSize : 0,
      jointBins: feature.jointBins[0] ?? new Uint8Array(0),
      jointCombos: feature.jointCombos,
    }));
    const leafOf = new Uint32Array(rows);
    const out: Float64Array[] = [];
    levelRows.startTree();
    for (let level = 0; level < levels; level++) {
      levelRows.startLevel(level, leafOf, bootstrap, weighted);
      if (forget && level === 2) kept.keep(1, -5, new Float64Array(0), 0);
      const built = builder.build(requests, requests.length, leafOf, bootstrap, weighted);
      features.forEach(({ binCount }, slot) => {
        out.push((built[slot] as Float64Array).slice(0, binCount * (1 << level) * (outputs + 1)));
      });
      for (let row = 0; row < rows; row++)
        leafOf[row] = (leafOf[row] as number) | (next() < 0.4 ? 1 << level : 0);
    }
    return { out, jointGroups: builder.jointGroups, wasmPasses: builder.wasmPasses };
  }

  const expectClose = (actual: Float64Array[], expected: Float64Array[]) => {
    expect(actual.length).toBe(expected.length);
    actual.forEach((histogram, at) => {
      const reference = expected[at] as Float64Array;
      expect(histogram.length).toBe(reference.length);
      histogram.forEach((value, cell) => {
        expect(Math.abs(value - (reference[cell] as number))).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(reference[cell] as number)),
        );
      });
    });
  };

  it("gives each member's histograms at every level as feature by feature, in fewer passes", () => {
    const apart = histograms(false);
    const joint = histograms(true);
    expectClose(joint.out, apart.out);
    expect(joint.jointGroups).toBe(levels);
    // Six features: two passes a level apart (four and two), one with the group (three columns).
    expect(apart.wasmPasses).toBe(2 * levels);
    expect(joint.wasmPasses).toBe(levels);
  });

  it("sums a group feature by feature at a level where a member's histogram of the level above is not kept", () => {
    const apart = histograms(false, true);
    const joint = histograms(true, true);
    expectClose(joint.out, apart.out);
    expect(joint.jointGroups).toBe(levels - 1);
  });
});

describe("planBatches", () => {
  it("puts up to four histogram columns and eight candidates in a search batch, a group whole where the level sums it jointly", () => {
    const arrays = new WasmMemoryArrays();
    const rows = 20000;
    const features = [
      ...together(rows, 4, 6, 41).map((bins) => dense(arrays, [bins], 16)),
      ...together(rows, 4, 6, 42).map((bins) => dense(arrays, [bins], 16)),
      ...together(rows, 3, 6, 43).map((bins) => dense(arrays, [bins], 16)),
    ];
    groupFeatures(features, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2], rows, setupOf(arrays));
    expect(features.map((feature) => feature.jointSize)).toEqual([4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0]);
    const shared = {
      ...searchSlots(
        {
          features: features.length,
          noiseDraws: 0,
          threads: 1,
          rows,
          evalRows: 0,
          outputs: 1,
          hessianSize: 1,
          depth: 4,
        },
        ordinaryArrays,
        arrays,
      ),
      rows,
      features,
    } as unknown as SearchShared;
    const { CONTROL } = kernel;
    const batches = (candidates: number[], listed: number, leaves: number) => {
      shared.candidates.set(candidates);
      shared.control[CONTROL.COUNT] = listed;
      kernel.planBatches(shared, candidates.length, leaves);
      const count = shared.control[CONTROL.BATCHES] as number;
      return Array.from(shared.batchStarts.subarray(0, count + 1));
    };
    const all = features.map((_, index) => index);
    // Groups of 4, 4 and 3 candidates: two groups a batch (8 candidates), then the third.
    expect(batches(all, rows, 1)).toEqual([0, 8, 11]);
    // Too few listed rows per joint cell: every candidate a column, four a batch.
    expect(batches(all, 10, 1)).toEqual([0, 4, 8, 11]);
    // A group whose features are not all candidates (feature 2 left out) is not summed jointly:
    // three columns, then the second group (seven candidates), then the third.
    expect(batches([0, 1, 3, 4, 5, 6, 7, 8, 9, 10], rows, 1)).toEqual([0, 7, 10]);
  });
});
