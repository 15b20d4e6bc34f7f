import { readFileSync } from "node:fs";
import { referenceFixture } from "@ct/fixtures";
import { describe, expect, it } from "vitest";
import { MT19937, permutation } from "./mt19937.ts";

interface SplitCase {
  readonly seed: number;
  readonly n: number;
  readonly permutation: number[];
}

const splitCases = (JSON.parse(readFileSync(referenceFixture.splitCases, "utf8")) as { cases: SplitCase[] })
  .cases;

describe("MT19937", () => {
  it("matches the reference init_genrand outputs (seed 5489)", () => {
    // First outputs of mt19937ar.c's genrand_int32() after init_genrand(5489).
    const rng = new MT19937(5489);
    expect([
      rng.nextUint32(),
      rng.nextUint32(),
      rng.nextUint32(),
      rng.nextUint32(),
      rng.nextUint32(),
    ]).toEqual([3499211612, 581869302, 3890346734, 3586334585, 545404204]);
  });

  it("matches the 10000th output of the C++11 std::mt19937 (default seed 5489)", () => {
    const rng = new MT19937(5489);
    let value = 0;
    for (let i = 0; i < 10000; i++) value = rng.nextUint32();
    expect(value).toBe(4123659995);
  });

  it("accepts the whole seed range and outputs unsigned 32-bit integers", () => {
    for (const seed of [0, 1, 2147483647, 2147483648, 4294967295]) {
      const rng = new MT19937(seed);
      for (let i = 0; i < 2000; i++) {
        const value = rng.nextUint32();
        expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
      }
    }
  });

  it("is deterministic per seed", () => {
    expect(permutation(5000, 123)).toEqual(permutation(5000, 123));
    expect(permutation(5000, 123)).not.toEqual(permutation(5000, 124));
    const a = new MT19937(99);
    const b = new MT19937(99);
    for (let i = 0; i < 1500; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it.each(
    splitCases.map((c) => [c.seed, c.n, c] as const),
  )("permutation(n) equals numpy RandomState(%i).permutation(%i)", (seed, n, c) => {
    const perm = permutation(n, seed);
    expect(perm).toBeInstanceOf(Int32Array);
    expect(Array.from(perm)).toEqual(c.permutation);
    expect(Array.from(new MT19937(seed).permutation(n))).toEqual(c.permutation);
  });

  it("covers every seed and size of the fixture", () => {
    expect(new Set(splitCases.map((c) => c.seed))).toEqual(new Set([42, 0, 7, 2147483647]));
    expect(Math.max(...splitCases.map((c) => c.n))).toBe(10007);
  });

  it("randomInterval stays in range and agrees with permutation's inlined draws", () => {
    const rng = new MT19937(7);
    for (const max of [0, 1, 2, 3, 7, 8, 1000, 0x7fffffff, 0x80000000, 0xffffffff]) {
      for (let i = 0; i < 200; i++) {
        const value = rng.randomInterval(max);
        expect(value >= 0 && value <= max && Number.isInteger(value)).toBe(true);
      }
    }
    // Re-derive a permutation through the public randomInterval.
    const n = 3000;
    const slow = new Int32Array(n).map((_, i) => i);
    const reference = new MT19937(42);
    for (let i = n - 1; i >= 1; i--) {
      const j = reference.randomInterval(i);
      const t = slow[i]!;
      slow[i] = slow[j]!;
      slow[j] = t;
    }
    expect(permutation(n, 42)).toEqual(slow);
  });

  it("continues the stream after a permutation like numpy (same generator, two calls)", () => {
    const rng = new MT19937(0);
    const first = rng.permutation(10);
    const second = rng.permutation(10);
    expect(Array.from(first)).toEqual(splitCases.find((c) => c.seed === 0 && c.n === 10)?.permutation);
    expect(second).not.toEqual(first);
    expect(Array.from(second).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("handles n = 0 and n = 1", () => {
    expect(permutation(0, 42)).toEqual(new Int32Array(0));
    expect(permutation(1, 42)).toEqual(new Int32Array([0]));
  });

  it("permutes 1e6 elements quickly", () => {
    permutation(1_000_000, 42); // warm-up
    const start = performance.now();
    const perm = permutation(1_000_000, 42);
    const elapsed = performance.now() - start;
    const seen = new Uint8Array(perm.length);
    for (const value of perm) seen[value] = 1;
    expect(seen.every((flag) => flag === 1)).toBe(true);
    // Typically well under 50 ms; the bound is loose so a busy CI machine does not flake.
    expect(elapsed).toBeLessThan(500);
  });

  it.each([
    [-1, "seed=-1"],
    [4294967296, "seed=4294967296"],
    [1.5, "seed=1.5"],
    [Number.NaN, "seed=NaN"],
  ])("rejects seed %s with a clear error", (seed, text) => {
    expect(() => new MT19937(seed)).toThrow(text);
    expect(() => new MT19937(seed)).toThrow("2**32 - 1");
  });

  it.each([[-1], [2.5], [Number.NaN], [2 ** 31]])("rejects permutation length %s", (n) => {
    expect(() => permutation(n, 42)).toThrow(`n=${String(n)}`);
  });

  it("rejects a randomInterval max outside 0 … 2**32 − 1", () => {
    expect(() => new MT19937(1).randomInterval(2 ** 32)).toThrow("max=4294967296");
    expect(() => new MT19937(1).randomInterval(-1)).toThrow("max=-1");
  });
});
