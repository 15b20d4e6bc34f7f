import { describe, expect, it } from "vitest";
import { LevelRows, SparseSums } from "./histograms.ts";
import { mulberry32 } from "./random.ts";
import type { SearchFeature, SearchShared } from "./split-kernel.ts";
import {
  CONTROL,
  featureOwners,
  MIN_THREAD_ROWS,
  noiseDraws,
  SplitSearchThreads,
  searchSlots,
  searchThreads,
  sharedArrays,
  sharedCopy,
} from "./split-threads.ts";
import { creditLike } from "./test-data.ts";
import { train } from "./train.ts";

const outputs = 3;

/** One level-0 split search over random dense and one-hot features, on `threads` threads. */
function searchLevel(threads: number, broken = false) {
  const rows = 3000;
  const next = mulberry32(11);
  const dense = (binCount: number): SearchFeature => ({
    kind: 0,
    bins: [sharedCopy(Uint8Array.from({ length: rows }, () => Math.floor(next() * binCount)))],
    binCount,
    sparseOrdinal: -1,
    sparseAbsent: false,
    sparseEmpty: false,
  });
  const features: SearchFeature[] = [dense(40), dense(7), dense(255), dense(2), dense(16)];
  features.push({
    ...dense(4),
    kind: 1,
    bins: [sharedCopy(Uint16Array.from({ length: rows }, () => Math.floor(next() * 4)))],
  });
  // A feature with no bins at all makes the thread that scores it fail.
  if (broken) features[features.length - 1] = { ...(features.at(-1) as SearchFeature), bins: [] };
  const bootstrap = sharedArrays.float64(rows).fill(1);
  const weighted = sharedArrays.float64(rows * outputs);
  weighted.forEach((_, at) => {
    weighted[at] = next() - 0.5;
  });
  const leafOf = sharedArrays.uint32(rows);
  const levelRows = new LevelRows(rows, outputs, 4, sharedArrays);
  levelRows.startTree();
  levelRows.startLevel(0, leafOf, bootstrap, weighted);
  const draws = features.reduce((sum, feature) => sum + noiseDraws(feature), 0);
  const shared: SearchShared = {
    rows,
    outputs,
    depth: 3,
    maxLeaves: 4,
    features,
    owner: featureOwners(features, threads, 0),
    leafOf,
    bootstrap,
    weighted,
    levelRows: levelRows.rows,
    levelLeafOfRow: levelRows.leafOfRow,
    levelPacked: levelRows.packed,
    totalWeight: levelRows.totalWeight,
    totalDelta: levelRows.totalDelta,
    ...searchSlots(features.length, draws, sharedArrays),
  };
  let at = 0;
  features.forEach((feature, index) => {
    shared.candidates[index] = index;
    shared.noiseAt[index] = at;
    shared.penalty[index] = 1;
    at += noiseDraws(feature);
  });
  for (let draw = 0; draw < draws; draw++) shared.noise[draw] = (next() - 0.5) * 1e-3;
  const { control } = shared;
  control[CONTROL.COUNT] = levelRows.count;
  control[CONTROL.STAMP] = levelRows.stamp;
  control[CONTROL.CANDIDATES] = features.length;
  control[CONTROL.NOISE] = 1;
  shared.scaledL2[0] = 3;
  const sparse = new SparseSums(outputs, 0, new Uint32Array(rows + 1), new Uint32Array(0), levelRows);
  const search = new SplitSearchThreads(shared, threads, sparse);
  try {
    search.runLevel(() => {});
    return { scores: Array.from(shared.bestScore), bins: Array.from(shared.bestBin), owner: shared.owner };
  } finally {
    search.close();
  }
}

describe("SplitSearchThreads", () => {
  it("scores every candidate the same on worker threads as on the main thread alone", () => {
    const alone = searchLevel(1);
    const threaded = searchLevel(3);
    expect(new Set(threaded.owner)).toEqual(new Set([0, 1, 2]));
    expect(threaded.scores).toEqual(alone.scores);
    expect(threaded.bins).toEqual(alone.bins);
    expect(alone.bins.every((bin) => bin >= 0)).toBe(true);
  });

  it("throws the error of a worker thread on the main thread", () => {
    expect(() => searchLevel(2, true)).toThrow(/a gbdt worker thread failed: TypeError/);
  });
});

describe("searchThreads", () => {
  const feature = (kind: 0 | 2): SearchFeature => ({
    kind,
    bins: [],
    binCount: 2,
    sparseOrdinal: 0,
    sparseAbsent: false,
    sparseEmpty: false,
  });

  it("uses the threads asked for, at most one per dense feature, and one for small data", () => {
    const features = [feature(0), feature(0), feature(2), feature(2)];
    expect(searchThreads(2, MIN_THREAD_ROWS, features)).toBe(2);
    expect(searchThreads(8, MIN_THREAD_ROWS, features)).toBe(2);
    expect(searchThreads(2, MIN_THREAD_ROWS - 1, features)).toBe(1);
    expect(searchThreads(-1, MIN_THREAD_ROWS, [feature(0)])).toBe(1);
  });

  it("keeps sparse features on the main thread and spreads the others", () => {
    const owner = featureOwners([feature(2), feature(0), feature(0), feature(2), feature(0)], 2, 1.5);
    // The main thread starts with the sparse sums (1.5 passes over the rows).
    expect(Array.from(owner)).toEqual([0, 1, 1, 0, 0]);
  });
});

describe("train on several threads", () => {
  it("gives byte-identical models and metrics on 1, 2 and 3 threads (numeric, CTR, one-hot, text)", () => {
    const rows = MIN_THREAD_ROWS + 1000;
    const { x, z, id, city, flag, note, labels } = creditLike(rows, 5);
    const data = { features: { x, z }, categorical: { id, city, flag }, text: { note }, labels };
    const params = {
      iterations: 12,
      depth: 5,
      rsm: 0.8,
      random_seed: 3,
      cat_features: ["id", "city", "flag"],
    };
    const results = [1, 2, 3].map((thread_count) => train(data, { ...params, thread_count }));
    const [alone, ...threaded] = results.map((result) =>
      JSON.stringify({ model: result.model, metrics: result.learnMetrics }),
    );
    expect(threaded).toEqual([alone, alone]);
    expect(results[0]?.model.toJSON().trees).toHaveLength(12);
  });
});
