import { describe, expect, it } from "vitest";
import {
  BORDER_SAMPLE_SIZE,
  computeBorders,
  greedyLogSumSplits,
  quantize,
  quantizeBins,
} from "./quantize.ts";
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

  describe(`on more than ${BORDER_SAMPLE_SIZE.toLocaleString("en")} values (CatBoost's subset)`, () => {
    /** A uniform stream that counts its draws. */
    const counted = (seed: number) => {
      const next = mulberry32(seed);
      const stream = Object.assign(
        () => {
          stream.draws++;
          return next();
        },
        { draws: 0 },
      );
      return stream;
    };
    // Skewed, all distinct: GreedyLogSum's borders depend on which values it sees.
    const values = Float64Array.from({ length: BORDER_SAMPLE_SIZE + 50_000 }, (_, row) =>
      Math.exp(((row * 7919) % 250_000) / 25_000),
    );

    it("computes borders on a subset of that many values drawn by the stream, the same for the same stream", () => {
      const stream = counted(5);
      const sampled = computeBorders(values, 254, "Min", undefined, stream);
      expect(stream.draws).toBe(BORDER_SAMPLE_SIZE);
      expect(sampled.length).toBe(254);
      expect(sampled).toEqual(computeBorders(values, 254, "Min", undefined, counted(5)));
      expect(sampled).not.toEqual(computeBorders(values, 254, "Min", undefined, counted(6)));
      expect(sampled).not.toEqual(computeBorders(values, 254, "Min"));
      // Every border lies inside the column's range.
      const sorted = values.slice().sort();
      for (const border of sampled) {
        expect(border).toBeGreaterThan(sorted[0] as number);
        expect(border).toBeLessThan(sorted.at(-1) as number);
      }
      // Bins about as balanced over the whole column as with borders from all of it.
      const largestBin = (borders: Float64Array) => {
        const counts = new Map<number, number>();
        for (const bin of quantize(values, borders)) counts.set(bin, (counts.get(bin) ?? 0) + 1);
        return Math.max(...counts.values());
      };
      expect(largestBin(sampled)).toBeLessThanOrEqual(1.1 * largestBin(computeBorders(values, 254, "Min")));
    });

    it("draws nothing up to that many values other than NaN, and keeps the whole column's missing-value border", () => {
      const few = values.slice(0, BORDER_SAMPLE_SIZE);
      const stream = counted(5);
      expect(computeBorders(few, 254, "Min", undefined, stream)).toEqual(computeBorders(few, 254, "Min"));
      expect(stream.draws).toBe(0);
      // One NaN among the values: whether the sample has it or not, the column's missing values get a bin.
      const withNan = values.slice();
      withNan[123] = Number.NaN;
      const borders = computeBorders(withNan, 254, "Min", undefined, counted(5));
      expect(borders[0]).toBe(-3.4028234663852886e38);
      expect(borders.length).toBe(254);
    });
  });
});

describe("quantize", () => {
  it("gives each value the count of borders below it (NaN: bin 0 for Min, the top bin for Max), whatever the border count, in the smallest array", () => {
    const next = mulberry32(17);
    // Four values at a time, then the rest one by one: a length that is not a multiple of four.
    const values = Float64Array.from({ length: 2003 }, () =>
      next() < 0.05 ? Number.NaN : Math.round(next() * 400) / 4 - 50,
    );
    values.set([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], 10);
    values[2002] = Number.POSITIVE_INFINITY;
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
