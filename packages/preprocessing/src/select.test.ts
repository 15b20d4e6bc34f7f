import { describe, expect, it } from "vitest";
import { medianOfSorted, percentileOfSorted, robustStatistics } from "./robust-scaler.ts";
import { orderStatistics } from "./select.ts";

/** A small deterministic generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Arrays of the shapes the fit meets: continuous, few distinct values, zeros of both signs, runs. */
function cases(): [string, Float64Array][] {
  const next = random(7);
  const out: [string, Float64Array][] = [];
  for (const n of [1, 2, 3, 4, 5, 7, 10, 31, 600, 601, 602, 1000, 4097, 20_000]) {
    out.push([`uniform n=${n}`, Float64Array.from({ length: n }, () => next() * 2e3 - 1e3)]);
    out.push([`ties n=${n}`, Float64Array.from({ length: n }, () => Math.floor(next() * 5) - 2)]);
    out.push([
      `signed zeros n=${n}`,
      Float64Array.from({ length: n }, () => [0, -0, 1, -1, -0][Math.floor(next() * 5)]!),
    ]);
    out.push([`constant n=${n}`, new Float64Array(n).fill(3.5)]);
    out.push([`ascending n=${n}`, Float64Array.from({ length: n }, (_, i) => i)]);
    out.push([`descending n=${n}`, Float64Array.from({ length: n }, (_, i) => -i)]);
    out.push([
      `skewed n=${n}`,
      Float64Array.from({ length: n }, () => (next() < 0.9 ? 0 : Math.exp(next() * 30))),
    ]);
  }
  return out;
}

const sameBits = (a: number, b: number) => Object.is(a, b);

describe("orderStatistics", () => {
  it.each(cases())("gives the sorted array's values at every probed position: %s", (_name, values) => {
    const sorted = Float64Array.from(values).sort();
    const n = values.length;
    const positions = [0, n - 1, n >> 1, Math.max(0, (n >> 1) - 1), Math.floor(n / 4), n - 1 - (n >> 2)];
    const got = orderStatistics(Float64Array.from(values), positions);
    positions.forEach((position, index) => {
      expect(sameBits(got[index]!, sorted[position]!), `position ${position}`).toBe(true);
    });
  });

  it("selects every position of small arrays like a sort", () => {
    const next = random(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(next() * 40);
      const values = Float64Array.from(
        { length: n },
        () => [0, -0, 1, 2, -1, next()][Math.floor(next() * 6)]!,
      );
      const sorted = Float64Array.from(values).sort();
      const all = Array.from({ length: n }, (_, i) => i);
      expect(orderStatistics(Float64Array.from(values), all).map((v) => Object.is(v, -0))).toEqual(
        Array.from(sorted, (v) => Object.is(v, -0)),
      );
      expect(orderStatistics(Float64Array.from(values), all)).toEqual(Array.from(sorted));
    }
  });

  it("answers positions in the order asked, duplicates included", () => {
    expect(orderStatistics(Float64Array.from([5, 1, 4, 2, 3]), [4, 0, 2, 0])).toEqual([5, 1, 3, 1]);
  });

  it("rejects positions out of range", () => {
    expect(() => orderStatistics(Float64Array.from([1, 2]), [2])).toThrow(/position 2 is out of range/);
    expect(() => orderStatistics(Float64Array.from([1, 2]), [-1])).toThrow(RangeError);
  });
});

describe("robustStatistics", () => {
  it.each(cases())("equals median and quartiles of the sorted array bit for bit: %s", (_name, values) => {
    const sorted = Float64Array.from(values).sort();
    const { median, q25, q75 } = robustStatistics(Float64Array.from(values));
    expect(sameBits(median, medianOfSorted(sorted))).toBe(true);
    expect(sameBits(q25, percentileOfSorted(sorted, 25))).toBe(true);
    expect(sameBits(q75, percentileOfSorted(sorted, 75))).toBe(true);
  });
});
