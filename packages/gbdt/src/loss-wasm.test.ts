import { describe, expect, it } from "vitest";
import { WasmMemoryArrays } from "./histogram-wasm.ts";
import { mulberry32 } from "./random.ts";
import { kernel } from "./split-kernel.ts";
import { doubleDifferences, histogramExports } from "./test-data.ts";

type WasmCall = (...args: number[]) => number;

/** Rows of three raw outputs spread as a fit's are, and their labels, on a module's memory. */
function softmaxRows(rows: number, seed: number) {
  const arrays = new WasmMemoryArrays();
  const exports = histogramExports(arrays);
  const next = mulberry32(seed);
  const raw = arrays.float64(rows * 3);
  const target = arrays.float64(rows);
  for (let at = 0; at < raw.length; at++) raw[at] = (next() - 0.5) * 30 * next();
  for (let row = 0; row < rows; row++) target[row] = Math.floor(next() * 3);
  // From row 3: ties, a dominant class, outputs far apart (exp underflows to 0; row 5 and its pair
  // go alone), a −0.
  raw.set([1, 1, 1, 0, 0, 40, -800, 5, 0, -0, 0, 2], 9);
  return { arrays, exports, raw, target };
}

describe("softmax3 and softmax3Loss", () => {
  it("give the kernel's MultiClass gradients, Hessian entries and loss sum for three classes, bit for bit (two rows at a time, and alone where an output is 708 or more below its row's largest)", () => {
    const rows = 20_000;
    const { arrays, exports, raw, target } = softmaxRows(rows, 11);
    const gradient = arrays.float64(rows * 3);
    const hessian = arrays.float64(rows * 6);
    // An odd number of rows: pairs of rows in f64x2 lanes, then the last one alone.
    const from = 3;
    const to = rows - 4;
    const loss = (exports.softmax3 as WasmCall)(
      raw.byteOffset,
      target.byteOffset,
      gradient.byteOffset,
      hessian.byteOffset,
      from,
      to,
    );
    const jsGradient = new Float64Array(rows * 3);
    const jsHessian = new Float64Array(rows * 6);
    const jsLoss = kernel.derivatives(
      kernel.LOSS.MultiClass,
      raw,
      target,
      3,
      jsGradient,
      jsHessian,
      from,
      to,
    );
    expect(loss).toBe(jsLoss);
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(doubleDifferences(gradient, jsGradient)).toEqual([]);
    expect(doubleDifferences(hessian, jsHessian)).toEqual([]);
    // Rows outside [from, to) are not written.
    expect(gradient.subarray(0, 9).every((g) => g === 0)).toBe(true);
    for (const [start, end] of [
      [0, rows],
      [1, rows],
      [5, 6],
    ] as const) {
      const sumLoss = (exports.softmax3Loss as WasmCall)(raw.byteOffset, target.byteOffset, start, end);
      expect(sumLoss).toBe(kernel.lossSum(kernel.LOSS.MultiClass, raw, target, 3, start, end));
    }
  });
});

describe("addLeaves", () => {
  for (const outputs of [1, 3])
    it(`adds each row's leaf values to its raw outputs (${outputs} output${outputs > 1 ? "s" : ""})`, () => {
      const rows = 1000;
      const arrays = new WasmMemoryArrays();
      const exports = histogramExports(arrays);
      const next = mulberry32(3);
      const raw = arrays.float64(rows * outputs);
      raw.forEach((_, at) => {
        raw[at] = next();
      });
      const leafOf = arrays.uint32(rows);
      leafOf.forEach((_, row) => {
        leafOf[row] = Math.floor(next() * 64);
      });
      const leafValues = arrays.float64(64 * outputs);
      leafValues.forEach((_, at) => {
        leafValues[at] = next() - 0.5;
      });
      const expected = raw.slice();
      for (let row = 10; row < rows - 10; row++)
        for (let k = 0; k < outputs; k++)
          expected[row * outputs + k] = raw[row * outputs + k]! + leafValues[leafOf[row]! * outputs + k]!;
      (exports.addLeaves as WasmCall)(
        raw.byteOffset,
        leafOf.byteOffset,
        leafValues.byteOffset,
        outputs,
        10,
        rows - 10,
      );
      expect(doubleDifferences(raw, expected)).toEqual([]);
    });
});
