import { describe, expect, it } from "vitest";
import { WasmMemoryArrays } from "./histogram-wasm.ts";
import { mulberry32 } from "./random.ts";
import { kernel, type SearchShared } from "./split-kernel.ts";
import { doubleDifferences, histogramExports } from "./test-data.ts";

type WasmCall = (...args: number[]) => number;

describe("weigh", () => {
  for (const [name, kind] of Object.entries(kernel.BOOTSTRAP))
    for (const outputs of [1, 3])
      it(`draws the bootstrap weights, weights the gradients and sums the blocks as weighBlocks does (${name}, ${outputs} output${outputs > 1 ? "s" : ""})`, () => {
        // Four blocks, the last one short and of an odd length (Bayesian: rows two at a time, its
        // last one alone); blocks 1 to 3 weighed.
        const rows = 3 * kernel.blockRows(6) + 1235;
        const depth = 6;
        const blocks = Math.ceil(rows / kernel.blockRows(depth));
        const arrays = new WasmMemoryArrays();
        const exports = histogramExports(arrays);
        const next = mulberry32(5);
        const gradient = arrays.float64(rows * outputs);
        gradient.forEach((_, at) => {
          gradient[at] = next() - 0.5;
        });
        // The JavaScript loop's arrays, then the wasm function's.
        const sides = [0, 1].map(() => ({
          bootstrap: arrays.float64(rows),
          weighted: arrays.float64(rows * outputs),
          blockSums: arrays.float64(blocks * 2),
        }));
        const state = 0x9e3779b9 | 0;
        const control = new Int32Array(kernel.CONTROL.SIZE);
        control[kernel.CONTROL.BOOTSTRAP_STATE] = state;
        const [first, end] = [1, blocks];
        const js = sides[0]!;
        const shared = {
          rows,
          outputs,
          depth,
          control,
          gradient,
          ...js,
          bootstrapType: kind,
          baggingTemperature: 1,
          subsample: 0.66,
        } as unknown as SearchShared;
        const jsCount = kernel.weighBlocks(shared, first, end);
        const wasm = sides[1]!;
        const count = (exports.weigh as WasmCall)(
          wasm.bootstrap.byteOffset,
          gradient.byteOffset,
          wasm.weighted.byteOffset,
          wasm.blockSums.byteOffset,
          rows,
          kernel.blockRows(depth),
          first,
          end,
          state,
          kind,
          outputs,
          0.66,
        );
        expect(count).toBe(jsCount);
        expect(doubleDifferences(wasm.bootstrap, js.bootstrap)).toEqual([]);
        expect(doubleDifferences(wasm.weighted, js.weighted)).toEqual([]);
        expect(doubleDifferences(wasm.blockSums, js.blockSums)).toEqual([]);
        // The rows of blocks [first, end) only; weights as the kind draws them.
        const from = first * kernel.blockRows(depth);
        const to = rows;
        expect(wasm.bootstrap.subarray(0, from).every((w) => w === 0)).toBe(true);
        const weights = wasm.bootstrap.subarray(from, to);
        if (kind === kernel.BOOTSTRAP.No) expect(weights.every((w) => w === 1)).toBe(true);
        if (kind === kernel.BOOTSTRAP.Bernoulli) {
          expect(weights.every((w) => w === 0 || w === 1)).toBe(true);
          expect(count / (to - from)).toBeCloseTo(0.66, 1);
        }
        if (kind === kernel.BOOTSTRAP.Bayesian) expect(count).toBe(to - from);
        expect(wasm.blockSums.subarray(2, 2 * blocks).every((sum) => sum > 0)).toBe(true);
      });
});
