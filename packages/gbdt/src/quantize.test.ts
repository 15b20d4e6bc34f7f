import { describe, expect, it } from "vitest";
import { computeBorders, greedyLogSumSplits, quantize, quantizeBins } from "./quantize.ts";
import { mulberry32 } from "./random.ts";

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

describe("quantize", () => {
  it("gives each value the count of borders below it (NaN: bin 0 for Min, the top bin for Max), whatever the border count, in the smallest array", () => {
    const next = mulberry32(17);
    const values = Float64Array.from({ length: 2000 }, () =>
      next() < 0.05 ? Number.NaN : Math.round(next() * 400) / 4 - 50,
    );
    for (const borderCount of [0, 1, 2, 3, 7, 8, 9, 100, 254, 255, 256, 300]) {
      const borders = Float64Array.from({ length: borderCount }, (_, at) => -50 + (at * 100) / borderCount);
      for (const nanMode of ["Min", "Max"] as const) {
        const expected = Array.from(values, (value) =>
          Number.isNaN(value)
            ? nanMode === "Max"
              ? borderCount
              : 0
            : borders.filter((border) => value > border).length,
        );
        expect(Array.from(quantize(values, borders, nanMode))).toEqual(expected);
        const smallest = quantizeBins(values, borders, nanMode);
        expect(smallest).toBeInstanceOf(borderCount < 256 ? Uint8Array : Uint16Array);
        expect(Array.from(smallest)).toEqual(expected);
      }
    }
  });
});
