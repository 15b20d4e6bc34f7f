import { describe, expect, it } from "vitest";
import { computeBorders, greedyLogSumSplits, quantize } from "./quantize.ts";

describe("GreedyLogSum borders", () => {
  it("splits the piece that gains most, next to its middle value, until the budget is spent", () => {
    // 0..9: first at 5 (log 5 + log 5 − log 10 beats the split at 6), then [0, 5) and [5, 10)
    // gain the same at 2 and 7: the lower piece goes first, and the budget of 3 ends there.
    const sorted = Float64Array.from({ length: 10 }, (_, value) => value);
    expect(greedyLogSumSplits(sorted, 3)).toEqual([2, 5, 7]);
    expect(Array.from(computeBorders(sorted.slice().reverse(), 3))).toEqual([1.5, 4.5, 6.5]);
  });

  it("keeps equal values in one bin", () => {
    const sorted = Float64Array.from([1, 1, 1, 1, 1, 1, 2, 3]);
    expect(greedyLogSumSplits(sorted, 1)).toEqual([6]);
    expect(greedyLogSumSplits(Float64Array.from([4, 4, 4]), 5)).toEqual([]);
  });

  it("gives balanced bins on skewed data, at most border_count borders", () => {
    const values = Float64Array.from({ length: 5000 }, (_, row) => Math.exp(((row * 7919) % 5000) / 500));
    const borders = computeBorders(values, 254);
    expect(borders.length).toBeLessThanOrEqual(254);
    expect(borders.length).toBeGreaterThan(200);
    const counts = new Map<number, number>();
    for (const bin of quantize(values, borders)) counts.set(bin, (counts.get(bin) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2 * Math.ceil(5000 / 255));
  });

  it("puts every midpoint when the distinct values fit, and a sentinel for missing values", () => {
    const values = Float64Array.from([3, Number.NaN, 1, 2, 2]);
    expect(Array.from(computeBorders(values, 254, "Min"))).toEqual([-3.4028234663852886e38, 1.5, 2.5]);
    expect(Array.from(computeBorders(values, 254, "Max"))).toEqual([1.5, 2.5, 3.4028234663852886e38]);
    expect(Array.from(quantize(values, computeBorders(values, 254, "Min")))).toEqual([3, 0, 1, 2, 2]);
  });
});
