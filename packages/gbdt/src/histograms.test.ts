import { describe, expect, it } from "vitest";
import { HistogramBuilder, LevelRows, SparseSums } from "./histograms.ts";
import { mulberry32 } from "./random.ts";

/** A request's fields for a feature summed on its own (not a pair's joint histogram). */
const unpaired = { jointSize: 0, jointBins: new Uint8Array(0), jointCombos: new Uint8Array(0) };

/** Random data: rows with bins, bootstrap weights (some 0), weighted gradients and a split per level. */
function data(rows: number, binCount: number, seed: number, outputs = 2) {
  const next = mulberry32(seed);
  const bins = Uint8Array.from({ length: rows }, () => Math.floor(next() * binCount));
  const bootstrap = Float64Array.from({ length: rows }, () => (next() < 0.1 ? 0 : next() * 2));
  const weighted = Float64Array.from({ length: rows * outputs }, () => next() - 0.5);
  // Bit `level` of each row's leaf: uneven sides, the smaller one alternating.
  const sides = Array.from({ length: 4 }, (_, level) =>
    Uint8Array.from({ length: rows }, () => Number(next() < (level % 2 ? 0.7 : 0.25))),
  );
  return { bins, bootstrap, weighted, sides };
}

/** Σ weight, Σ weighted gradients per (bin, leaf) over all rows: the histogram by definition. */
function bruteForce(
  bins: Uint8Array,
  binCount: number,
  leafOf: Uint32Array,
  leaves: number,
  bootstrap: Float64Array,
  weighted: Float64Array,
  outputs = 2,
): Float64Array {
  const stride = outputs + 1;
  const histogram = new Float64Array(binCount * leaves * stride);
  leafOf.forEach((leaf, row) => {
    if (bootstrap[row] === 0) return;
    const cell = ((bins[row] as number) * leaves + leaf) * stride;
    histogram[cell] = (histogram[cell] as number) + (bootstrap[row] as number);
    for (let k = 0; k < outputs; k++)
      histogram[cell + 1 + k] = (histogram[cell + 1 + k] as number) + (weighted[row * outputs + k] as number);
  });
  return histogram;
}

function expectClose(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  const worst = expected.reduce(
    (max, value, at) => Math.max(max, Math.abs(value - (actual[at] as number))),
    0,
  );
  expect(worst).toBeLessThan(1e-9);
}

/** The level's per-leaf totals: the rows' sums per leaf by definition (a one-bin histogram). */
function expectTotals(
  levelRows: LevelRows,
  leafOf: Uint32Array,
  bootstrap: Float64Array,
  weighted: Float64Array,
  outputs: number,
): void {
  const { leaves } = levelRows;
  const stride = outputs + 1;
  const totals = bruteForce(new Uint8Array(leafOf.length), 1, leafOf, leaves, bootstrap, weighted, outputs);
  expectClose(
    levelRows.totalWeight.slice(0, leaves),
    totals.filter((_, at) => at % stride === 0),
  );
  expectClose(
    levelRows.totalDelta.slice(0, leaves * outputs),
    totals.filter((_, at) => at % stride !== 0),
  );
}

describe("HistogramBuilder", () => {
  const rows = 500;
  const binCount = 7;

  // Strides 3 (the generic loops) and 4 (three outputs, written out); batches of 1 to 5 features
  // (5: more than one pass of the builder).
  for (const outputs of [2, 3])
    for (const batch of [1, 2, 3, 4])
      it(`gives every level's (bin, leaf) sums, by subtraction where the level above was kept or from all rows (${outputs} outputs, ${batch} features per pass)`, () => {
        const stride = outputs + 1;
        const { bootstrap, weighted, sides } = data(rows, binCount, 3, outputs);
        // Each feature its own bins and bin count.
        const features = Array.from({ length: batch }, (_, feature) => {
          const count = binCount + feature;
          const next = mulberry32(20 + feature);
          return { count, bins: Uint8Array.from({ length: rows }, () => Math.floor(next() * count)) };
        });
        for (const keepEvery of [true, false]) {
          const levelRows = new LevelRows(rows, outputs, 4);
          const builder = new HistogramBuilder(outputs, batch, levelRows);
          const leafOf = new Uint32Array(rows);
          levelRows.startTree();
          for (let level = 0; level < sides.length; level++) {
            levelRows.startLevel(level, leafOf, bootstrap, weighted);
            if (level > 0) expect(levelRows.count).toBeLessThanOrEqual(rows / 2 + 1);
            const leaves = 1 << level;
            const requests = features.map(({ count, bins }, feature) => ({
              feature,
              bins,
              binCount: count,
              keep: keepEvery || level === 1,
              onWasm: false,
              ...unpaired,
            }));
            const histograms = builder.build(requests, batch, leafOf, bootstrap, weighted);
            features.forEach(({ count, bins }, feature) => {
              const expected = bruteForce(bins, count, leafOf, leaves, bootstrap, weighted, outputs);
              expectClose((histograms[feature] as Float64Array).slice(0, count * leaves * stride), expected);
            });
            expectTotals(levelRows, leafOf, bootstrap, weighted, outputs);
            sides[level]?.forEach((side, row) => {
              leafOf[row] = (leafOf[row] as number) | (side << level);
            });
          }
        }
      });

  it("gives the same doubles whether a feature is summed alone or in a batch", () => {
    const outputs = 3;
    const { bootstrap, weighted, sides } = data(rows, binCount, 5, outputs);
    const features = Array.from({ length: 4 }, (_, feature) => {
      const next = mulberry32(40 + feature);
      return Uint8Array.from({ length: rows }, () => Math.floor(next() * binCount));
    });
    const histogramsOf = (batch: number): Float64Array[] => {
      const levelRows = new LevelRows(rows, outputs, 4);
      const builder = new HistogramBuilder(outputs, features.length, levelRows);
      const leafOf = new Uint32Array(rows);
      const out: Float64Array[] = [];
      levelRows.startTree();
      for (let level = 0; level < sides.length; level++) {
        levelRows.startLevel(level, leafOf, bootstrap, weighted);
        const size = binCount * (1 << level) * (outputs + 1);
        for (let first = 0; first < features.length; first += batch) {
          const requests = features.slice(first, first + batch).map((bins, at) => ({
            feature: first + at,
            bins,
            binCount,
            keep: true,
            onWasm: false,
            ...unpaired,
          }));
          const histograms = builder.build(requests, requests.length, leafOf, bootstrap, weighted);
          for (let at = 0; at < requests.length; at++)
            out.push((histograms[at] as Float64Array).slice(0, size));
        }
        sides[level]?.forEach((side, row) => {
          leafOf[row] = (leafOf[row] as number) | (side << level);
        });
      }
      return out;
    };
    const alone = histogramsOf(1);
    for (const batch of [2, 3, 4]) expect(histogramsOf(batch)).toEqual(alone);
  });

  it("does not use a histogram kept in an earlier tree", () => {
    const { bins, bootstrap, weighted, sides } = data(rows, binCount, 3);
    const stride = 3;
    const levelRows = new LevelRows(rows, 2, 4);
    const builder = new HistogramBuilder(2, 1, levelRows);
    const leafOf = new Uint32Array(rows);
    const request = (values: Float64Array) =>
      builder.build(
        [{ feature: 0, bins, binCount, keep: true, onWasm: false, ...unpaired }],
        1,
        leafOf,
        bootstrap,
        values,
      );
    levelRows.startTree();
    levelRows.startLevel(0, leafOf, bootstrap, weighted);
    request(weighted);
    // The next tree's level 1 has other gradients: the old level-0 histogram must not be used.
    const other = weighted.map((value) => value * 3);
    sides[0]?.forEach((side, row) => {
      leafOf[row] = side;
    });
    levelRows.startTree();
    levelRows.startLevel(1, leafOf, bootstrap, other);
    expectClose(
      (request(other)[0] as Float64Array).slice(0, binCount * 2 * stride),
      bruteForce(bins, binCount, leafOf, 2, bootstrap, other),
    );
  });
});

describe("LevelRows", () => {
  it("sums each level's per-leaf totals per block of rows, then over the blocks", () => {
    const rows = 10000;
    const outputs = 3;
    const stride = outputs + 1;
    const { bootstrap, weighted, sides } = data(rows, 2, 5, outputs);
    const levelRows = new LevelRows(rows, outputs, 4);
    // Depth 4: blocks of 4,096 rows, so three blocks here.
    expect(levelRows.blockTotals.length).toBe(3 * 8 * stride);
    const leafOf = new Uint32Array(rows);
    levelRows.startTree();
    for (let level = 0; level < sides.length; level++) {
      levelRows.startLevel(level, leafOf, bootstrap, weighted);
      expectTotals(levelRows, leafOf, bootstrap, weighted, outputs);
      sides[level]?.forEach((side, row) => {
        leafOf[row] = (leafOf[row] as number) | (side << level);
      });
    }
  });
});

describe("SparseSums", () => {
  it("sums each sparse feature's listed rows per leaf at every level", () => {
    const rows = 400;
    const featureCount = 5;
    const { bootstrap, weighted, sides } = data(rows, 2, 9);
    const next = mulberry32(11);
    const lists = Array.from({ length: featureCount }, (_, feature) =>
      Array.from({ length: rows }, (_, row) => row).filter(() => next() < 0.1 + 0.2 * feature),
    );
    const offsets = new Uint32Array(rows + 1);
    const perRow: number[][] = Array.from({ length: rows }, () => []);
    lists.forEach((list, feature) => {
      for (const row of list) perRow[row]?.push(feature);
    });
    perRow.forEach((features, row) => {
      offsets[row + 1] = (offsets[row] as number) + features.length;
    });
    const features = Uint32Array.from(perRow.flat());
    const outputs = 2;
    const stride = outputs + 1;
    const levelRows = new LevelRows(rows, outputs, 4);
    const sums = new SparseSums(outputs, featureCount, offsets, features, levelRows);
    const leafOf = new Uint32Array(rows);
    levelRows.startTree();
    for (let level = 0; level < sides.length; level++) {
      levelRows.startLevel(level, leafOf, bootstrap, weighted);
      sums.build();
      const leaves = 1 << level;
      lists.forEach((list, feature) => {
        // As a 2-bin feature (bin 1 = listed): its bin-1 cells are the sums.
        const bins = new Uint8Array(rows);
        for (const row of list) bins[row] = 1;
        const expected = bruteForce(bins, 2, leafOf, leaves, bootstrap, weighted).slice(leaves * stride);
        const start = sums.offset(feature);
        expectClose(sums.values.slice(start, start + leaves * stride), expected);
      });
      sides[level]?.forEach((side, row) => {
        leafOf[row] = (leafOf[row] as number) | (side << level);
      });
    }
  });
});
