import { readFileSync } from "node:fs";
import { referenceFixture } from "@ct/fixtures";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  assertTransformable,
  fitRobustScaler,
  fitRobustScalerSelected,
  medianOfSorted,
  percentileOfSorted,
  transformRobust,
} from "./robust-scaler.ts";
import { trainTestSplit } from "./split.ts";

interface ScalerCase {
  readonly name: string;
  readonly fit: (number | null)[];
  readonly center: number;
  readonly scale: number;
  readonly transformed: (number | null)[];
}

const scalerCases = (
  JSON.parse(readFileSync(referenceFixture.robustScalerCases, "utf8")) as { cases: ScalerCase[] }
).cases;

const column = (values: readonly (number | null)[]): Float64Array =>
  Float64Array.from(values, (value) => (value === null ? Number.NaN : value));

/** |actual − expected| ≤ 1e-12·|expected| (exact for 0), NaN only where null is expected. */
function expectClose(actual: number, expected: number | null, what: string): void {
  if (expected === null) {
    expect(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`).toBe(true);
    return;
  }
  const tolerance = 1e-12 * Math.abs(expected);
  expect(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`).toBe(true);
}

describe("fitRobustScaler / transformRobust against scikit-learn 1.2.1", () => {
  it("covers the recorded cases", () => {
    expect(scalerCases.map((c) => c.name)).toEqual([
      "normal",
      "with_nan",
      "constant",
      "two",
      "one",
      "ties",
      "skewed",
    ]);
  });

  it.each(scalerCases.map((c) => [c.name, c] as const))("case %s", (name, c) => {
    const values = column(c.fit);
    const parameters = fitRobustScaler(values);
    expectClose(parameters.center, c.center, `${name} center`);
    expectClose(parameters.scale, c.scale, `${name} scale`);
    const transformed = transformRobust(values, parameters);
    expect(transformed).toBeInstanceOf(Float64Array);
    expect(transformed.length).toBe(c.transformed.length);
    c.transformed.forEach((expected, i) => {
      expectClose(transformed[i]!, expected, `${name} transformed[${i}]`);
    });
  });

  it("reproduces the recorded fitted parameters bit for bit", () => {
    for (const c of scalerCases) {
      const parameters = fitRobustScaler(column(c.fit));
      expect(parameters, c.name).toEqual({ center: c.center, scale: c.scale });
    }
  });

  it("fits only on the given rows, in any order, without touching the others", () => {
    const c = scalerCases.find((x) => x.name === "normal")!;
    const base = column(c.fit);
    // Embed the fit values at odd positions of a longer column whose other values are outliers.
    const values = new Float64Array(base.length * 2);
    const rows = new Int32Array(base.length);
    for (let i = 0; i < base.length; i++) {
      values[2 * i] = 1e9 * (i + 1);
      values[2 * i + 1] = base[i]!;
      rows[base.length - 1 - i] = 2 * i + 1;
    }
    const parameters = fitRobustScaler(values, rows);
    expect(parameters).toEqual(fitRobustScaler(base));
    const transformedRows = transformRobust(values, parameters, rows);
    expect(transformedRows.length).toBe(rows.length);
    const transformedAll = transformRobust(values, parameters);
    rows.forEach((row, i) => {
      expect(transformedRows[i]).toBe(transformedAll[row]);
    });
    expect(transformedAll[0]).toBe((1e9 - parameters.center) / parameters.scale);
    expect(values[1]).toBe(base[0]); // input untouched
  });

  it("ignores NaN when fitting and keeps it when transforming", () => {
    const values = column([null, 4, null, 1, 3, 2, null]);
    const parameters = fitRobustScaler(values);
    // nanmedian([1,2,3,4]) = 2.5; nanpercentile 25/75 = 1.75 / 3.25.
    expect(parameters).toEqual({ center: 2.5, scale: 1.5 });
    const out = transformRobust(values, parameters);
    expect(Array.from(out, (x) => (Number.isNaN(x) ? null : x))).toEqual([
      null,
      1,
      null,
      -1,
      1 / 3,
      -1 / 3,
      null,
    ]);
  });

  it("mirrors scikit-learn on an all-NaN fit set: center and scale NaN, everything transforms to NaN", () => {
    const values = column([null, 5, null, 7]);
    const parameters = fitRobustScaler(values, new Int32Array([0, 2]));
    expect(Number.isNaN(parameters.center)).toBe(true);
    expect(Number.isNaN(parameters.scale)).toBe(true);
    expect(transformRobust(values, parameters).every((x) => Number.isNaN(x))).toBe(true);
  });

  it("replaces a near-zero scale (< 10·ε) by 1, as _handle_zeros_in_scale", () => {
    // IQR = 2**-49 ≈ 1.8e-15 < 10·ε ≈ 2.2e-15 → 1.
    const tiny = 2 ** -50;
    expect(fitRobustScaler(new Float64Array([1, 1, 1 + 2 * tiny, 1 + 2 * tiny, 1 + 2 * tiny])).scale).toBe(1);
    expect(fitRobustScaler(new Float64Array([0, 0, 2 * tiny, 2 * tiny, 2 * tiny])).scale).toBe(1);
    // IQR = 2**-48 ≈ 3.6e-15 ≥ 10·ε → kept.
    expect(fitRobustScaler(new Float64Array([0, 0, 2 ** -48, 2 ** -48, 2 ** -48])).scale).toBe(2 ** -48);
    expect(fitRobustScaler(new Float64Array([3, 3, 3])).scale).toBe(1);
  });

  it("is deterministic and does not modify its input", () => {
    const c = scalerCases.find((x) => x.name === "skewed")!;
    const values = column(c.fit);
    const copy = values.slice();
    expect(fitRobustScaler(values)).toEqual(fitRobustScaler(values));
    transformRobust(values, fitRobustScaler(values));
    expect(values).toEqual(copy);
  });

  it("rejects an empty fit set", () => {
    expect(() => fitRobustScaler(new Float64Array(0))).toThrow("the column is empty");
    expect(() => fitRobustScaler(new Float64Array([1, 2]), new Int32Array(0))).toThrow("rows is empty");
  });

  it("rejects row indices outside the column", () => {
    const values = new Float64Array([1, 2, 3]);
    expect(() => fitRobustScaler(values, new Int32Array([0, 3]))).toThrow("row index 3 is out of range");
    expect(() => fitRobustScaler(values, new Int32Array([-1]))).toThrow("row index -1 is out of range");
    expect(() => transformRobust(values, { center: 0, scale: 1 }, new Int32Array([5]))).toThrow(
      "row index 5 is out of range: the column has 3 values",
    );
  });

  it("rejects infinite values like scikit-learn's input validation", () => {
    const values = new Float64Array([1, Number.POSITIVE_INFINITY, 3]);
    expect(() => fitRobustScaler(values)).toThrow("value Infinity at row 1 is not allowed");
    expect(() => fitRobustScaler(new Float64Array([Number.NEGATIVE_INFINITY]))).toThrow("-Infinity");
    expect(fitRobustScaler(values, new Int32Array([0, 2]))).toEqual({ center: 2, scale: 1 });
    expect(() => transformRobust(values, { center: 0, scale: 1 })).toThrow("value Infinity at row 1");
  });

  it("handles a large column", () => {
    const n = 1_000_003;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = (i * 7919) % n; // a permutation of 0 … n−1
    const rows = new Int32Array(n >> 1).map((_, i) => 2 * i);
    const start = performance.now();
    const parameters = fitRobustScaler(values);
    transformRobust(values, parameters);
    fitRobustScaler(values, rows);
    const elapsed = performance.now() - start;
    expect(parameters.center).toBe((n - 1) / 2);
    expect(parameters.scale).toBe(
      percentileOfSorted(
        Float64Array.from({ length: n }, (_, i) => i),
        75,
      ) - 250000.5,
    );
    expect(elapsed).toBeLessThan(2000);
  });
});

describe("numpy percentile and median formulas", () => {
  it("matches numpy's linear percentile on small arrays", () => {
    const a = new Float64Array([1, 2, 3, 4]);
    expect(percentileOfSorted(a, 25)).toBe(1.75); // np.percentile([1,2,3,4], 25)
    expect(percentileOfSorted(a, 50)).toBe(2.5);
    expect(percentileOfSorted(a, 75)).toBe(3.25);
    expect(percentileOfSorted(a, 0)).toBe(1);
    expect(percentileOfSorted(a, 100)).toBe(4);
    expect(percentileOfSorted(new Float64Array([7]), 25)).toBe(7);
    expect(percentileOfSorted(new Float64Array([7]), 75)).toBe(7);
    expect(() => percentileOfSorted(new Float64Array(0), 50)).toThrow("empty");
    expect(() => percentileOfSorted(a, 101)).toThrow("q=101");
  });

  it("uses numpy's _lerp: b − (b − a)·(1 − t) when t ≥ 0.5, a + (b − a)·t below", () => {
    // Values for which the two lerp forms differ in the last bit.
    const lo = 0.1;
    const hi = 0.4;
    const aForm = lo + (hi - lo) * 0.75;
    const bForm = hi - (hi - lo) * 0.25;
    expect(aForm).not.toBe(bForm);
    expect(percentileOfSorted(new Float64Array([lo, hi]), 75)).toBe(bForm);
    expect(percentileOfSorted(new Float64Array([lo, hi]), 25)).toBe(lo + (hi - lo) * 0.25);
  });

  it("takes the median as numpy's mean of the middle pair, not the 50th percentile's lerp", () => {
    const lo = 0.2;
    const hi = 1.9;
    const mean = (lo + hi) / 2;
    expect(mean).not.toBe(hi - (hi - lo) * 0.5);
    expect(medianOfSorted(new Float64Array([lo, hi]))).toBe(mean);
    expect(fitRobustScaler(new Float64Array([hi, lo])).center).toBe(mean);
    expect(medianOfSorted(new Float64Array([1, 5, 9]))).toBe(5);
    expect(() => medianOfSorted(new Float64Array(0))).toThrow("empty");
  });
});

describe("split + scaler against the reference pipeline's outputs for 2025-02-10", () => {
  it("reproduces the recorded scalers, row order and scaled values bit for bit", () => {
    const lines = readFileSync(referenceFixture.expected.extractTsv, "utf8")
      .split("\n")
      .filter((line) => line.length > 0);
    const header = lines[0]!.split("\t");
    const records = lines.slice(1).map((line) => line.split("\t"));
    const { train, test } = trainTestSplit(records.length, { testSize: 0.3, randomState: 42 });
    expect([records.length, train.length, test.length]).toEqual([772, 540, 232]);

    const expectedScalers = JSON.parse(
      readFileSync(referenceFixture.expected.robustScaler, "utf8"),
    ) as Record<string, { center: number; scale: number }>;
    const readCsv = (path: string) =>
      parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string | undefined>[];
    const parts = [
      { rows: train, csv: readCsv(referenceFixture.expected.trainCsv) },
      { rows: test, csv: readCsv(referenceFixture.expected.valCsv) },
    ];
    const idColumn = header.indexOf("id");
    for (const { rows, csv } of parts) {
      expect(Array.from(rows, (row) => records[row]![idColumn])).toEqual(csv.map((record) => record.id));
    }

    const features = Object.keys(expectedScalers);
    expect(features.length).toBe(17);
    for (const feature of features) {
      const index = header.indexOf(feature);
      expect(index, feature).toBeGreaterThanOrEqual(0);
      const values = Float64Array.from(records, (record) =>
        record[index] === "NULL" ? Number.NaN : Number(record[index]),
      );
      const parameters = fitRobustScaler(values, train);
      expect(parameters, feature).toEqual(expectedScalers[feature]);
      for (const { rows, csv } of parts) {
        const scaled = transformRobust(values, parameters, rows);
        const expected = csv.map((record) => (record[feature] === "" ? Number.NaN : Number(record[feature])));
        expect(Array.from(scaled), feature).toEqual(expected);
      }
    }
  });
});

describe("fitRobustScalerSelected (the fit preprocess uses: rows as flags, read in row order)", () => {
  it("gives the parameters fitRobustScaler gives for the same rows, bit for bit", () => {
    let seed = 3;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (const n of [2, 3, 10, 101, 5000]) {
      const shapes = [
        () => next() * 100 - 50,
        () => Math.floor(next() * 4),
        () => (next() < 0.3 ? Number.NaN : [0, -0, 1.5][Math.floor(next() * 3)]!),
      ];
      for (const shape of shapes) {
        const values = Float64Array.from({ length: n }, shape);
        const { train } = trainTestSplit(n, { testSize: 0.3, randomState: 42 });
        const selected = new Uint8Array(n);
        for (const row of train) selected[row] = 1;
        const expected = fitRobustScaler(values, train);
        const got = fitRobustScalerSelected(values, selected);
        expect(Object.is(got.center, expected.center) && Object.is(got.scale, expected.scale)).toBe(true);
      }
    }
  });

  it("rejects what fitRobustScaler rejects", () => {
    const values = new Float64Array([1, Number.POSITIVE_INFINITY, 3]);
    expect(() => fitRobustScalerSelected(values, new Uint8Array([1, 1, 0]))).toThrow(
      "fitRobustScaler: value Infinity at row 1 is not allowed",
    );
    expect(fitRobustScalerSelected(values, new Uint8Array([1, 0, 1]))).toEqual({ center: 2, scale: 1 });
    expect(() => fitRobustScalerSelected(values, new Uint8Array(3))).toThrow("no row is selected");
    expect(() => fitRobustScalerSelected(values, new Uint8Array(2))).toThrow("2 row flags");
    expect(() => assertTransformable(values)).toThrow("transformRobust: value Infinity at row 1");
    expect(() => assertTransformable(new Float64Array([Number.NaN, 2]))).not.toThrow();
  });
});
