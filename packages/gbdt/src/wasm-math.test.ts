import { describe, expect, it } from "vitest";
import { WasmMemoryArrays } from "./histogram-wasm.ts";
import { mulberry32 } from "./random.ts";
import { mathModuleBytes } from "./wasm-math.ts";

const memory = new WasmMemoryArrays();
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(mathModuleBytes()), {
  env: { memory: memory.memory },
});
const wasmExp = exports.exp as (x: number) => number;
const wasmLog = exports.log as (x: number) => number;
const pairInput = memory.float64(1 << 16);
const pairOutput = memory.float64(1 << 16);
/** [x, f(x)] for each x, f two at a time (`expF64x2`, `logF64x2`). */
function* pairwise(name: "expF64x2" | "logF64x2", xs: Iterable<number>): Generator<[number, number]> {
  const batch = [...xs];
  for (let start = 0; start < batch.length; start += pairInput.length) {
    const part = batch.slice(start, start + pairInput.length);
    pairInput.fill(1).set(part);
    (exports[name] as (...args: number[]) => void)(
      pairInput.byteOffset,
      pairOutput.byteOffset,
      Math.ceil(part.length / 2),
    );
    for (let at = 0; at < part.length; at++) yield [part[at]!, pairOutput[at]!];
  }
}

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

describe("exp and log", () => {
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

/** Doubles whose high word is one of fdlibm's range bounds (or next to it), low word random, either sign. */
function* nearBounds(count: number, seed: number): Generator<number> {
  const next = mulberry32(seed);
  const words = new Uint32Array(2);
  const value = new Float64Array(words.buffer);
  const highs = [0x3fd62e42, 0x3fd62e43, 0x3ff0a2b1, 0x3ff0a2b2, 0x3e2fffff, 0x3e300000];
  for (let at = 0; at < count; at++) {
    words[1] = highs[at % highs.length]!;
    words[0] = next() * 2 ** 32;
    yield next() < 0.5 ? value[0]! : -value[0]!;
  }
}

describe("expF64x2", () => {
  it("gives Math.exp's doubles, lane by lane, below 708 in magnitude: at the bounds of fdlibm's ranges and on random arguments", () => {
    const inputs = [
      ...edges.filter((x) => Math.abs(x) < 708),
      ...nearBounds(60_000, 9),
      ...uniform(200_000, -707.99, 707.99, 10),
      ...uniform(200_000, -40, 0, 11),
      ...uniform(100_000, -2 * LN2, 2 * LN2, 12),
      ...uniform(50_000, -(2 ** -27), 2 ** -27, 13),
    ];
    const differ = [...pairwise("expF64x2", inputs)].filter(([x, y]) => !Object.is(y, Math.exp(x)));
    expect(differ).toEqual([]);
  });
});

describe("logF64x2", () => {
  it("gives Math.log's doubles, lane by lane, on positive normal doubles: near 1 and 2, at √2, on [1, 3] and across every exponent", () => {
    const positiveNormal = [...randomBits(200_000, 14)]
      .map(Math.abs)
      .filter((x) => x >= 2 ** -1022 && x < Infinity);
    const inputs = [
      ...edges.filter((x) => x >= 2 ** -1022 && x < Infinity),
      Math.SQRT2,
      Math.SQRT1_2,
      ...positiveNormal,
      ...uniform(200_000, 1, 3, 15),
      ...uniform(100_000, 1 - 2 ** -18, 1 + 2 ** -18, 16),
      ...uniform(100_000, 2 - 2 ** -18, 2 + 2 ** -18, 17),
      ...uniform(100_000, Math.SQRT2 - 1e-6, Math.SQRT2 + 1e-6, 18),
    ];
    const differ = [...pairwise("logF64x2", inputs)].filter(([x, y]) => !Object.is(y, Math.log(x)));
    expect(differ).toEqual([]);
  });
});
