import { describe, expect, it } from "vitest";
import { histogramModule, WasmMemoryArrays } from "./histogram-wasm.ts";
import { mulberry32 } from "./random.ts";

const { exports } = new WebAssembly.Instance(histogramModule() as WebAssembly.Module, {
  env: { memory: new WasmMemoryArrays().memory },
});
const wasmExp = exports.exp as (x: number) => number;
const wasmLog = exports.log as (x: number) => number;

/** The arguments where `wasm` and `math` differ (NaN equals NaN; 0 and −0 differ). */
function mismatches(
  wasm: (x: number) => number,
  math: (x: number) => number,
  xs: Iterable<number>,
): number[] {
  const differ: number[] = [];
  for (const x of xs) if (!Object.is(wasm(x), math(x))) differ.push(x);
  return differ;
}

/** `count` doubles from random bit patterns (every exponent, NaNs and infinities included). */
function* randomBits(count: number, seed: number): Generator<number> {
  const next = mulberry32(seed);
  const words = new Uint32Array(2);
  const value = new Float64Array(words.buffer);
  for (let at = 0; at < count; at++) {
    words[0] = next() * 2 ** 32;
    words[1] = next() * 2 ** 32;
    yield value[0]!;
  }
}

function* uniform(count: number, from: number, to: number, seed: number): Generator<number> {
  const next = mulberry32(seed);
  for (let at = 0; at < count; at++) yield from + (to - from) * next();
}

const LN2 = Math.LN2;
const edges = [
  0,
  -0,
  1,
  -1,
  2,
  0.5,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2 ** -1022,
  2 ** -1023,
  2 ** -28,
  -(2 ** -28),
  2 ** -29,
  0.5 * LN2,
  -0.5 * LN2,
  1.5 * LN2,
  -1.5 * LN2,
  709.782712893384,
  709.7827128933841,
  709.5,
  -745.1332191019411,
  -745.1332191019412,
  -708.4,
  -708.39,
  -720,
  1 + 2 ** -20,
  1 - 2 ** -21,
  1 + 2 ** -52,
  3,
];

describe("the module's exp and log", () => {
  it("give Math.exp's doubles at the edges of fdlibm's ranges and on random arguments", () => {
    expect(mismatches(wasmExp, Math.exp, edges)).toEqual([]);
    expect(mismatches(wasmExp, Math.exp, randomBits(200_000, 1))).toEqual([]);
    expect(mismatches(wasmExp, Math.exp, uniform(200_000, -750, 712, 2))).toEqual([]);
    // A softmax's arguments: raw outputs minus their largest.
    expect(mismatches(wasmExp, Math.exp, uniform(200_000, -40, 0, 3))).toEqual([]);
    expect(mismatches(wasmExp, Math.exp, uniform(200_000, -2 * LN2, 2 * LN2, 4))).toEqual([]);
  });

  it("give Math.log's doubles at the edges, on subnormals and on random arguments", () => {
    expect(mismatches(wasmLog, Math.log, edges)).toEqual([]);
    expect(mismatches(wasmLog, Math.log, randomBits(200_000, 5))).toEqual([]);
    expect(mismatches(wasmLog, Math.log, uniform(200_000, 0, 4, 6))).toEqual([]);
    expect(mismatches(wasmLog, Math.log, uniform(200_000, 1 - 2 ** -18, 1 + 2 ** -18, 7))).toEqual([]);
    expect(mismatches(wasmLog, Math.log, uniform(100_000, 0, 2 ** -1022, 8))).toEqual([]);
  });
});
