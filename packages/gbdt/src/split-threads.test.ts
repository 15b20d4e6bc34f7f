import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { histogramModule, WasmMemoryArrays } from "./histogram-wasm.ts";
import { LevelRows, SparseSums } from "./histograms.ts";
import { BORDER_SAMPLE_SIZE, computeBorders } from "./quantize.ts";
import { mulberry32, normalSource } from "./random.ts";
import { kernel, type SearchFeature, type SearchShared } from "./split-kernel.ts";
import {
  ALONE_ROWS,
  BootedWorkers,
  CONTROL,
  FitThreads,
  groupBins,
  histogramScratchLength,
  type Job,
  keptStores,
  MIN_THREAD_ROWS,
  noiseDraws,
  requestedThreads,
  searchSlots,
  searchThreads,
  sharedArrays,
  sharedCopy,
  wasmPassFits,
  wasmPassSetup,
  workerSpinMicros,
} from "./split-threads.ts";
import { creditLike } from "./test-data.ts";
import { train } from "./train.ts";

const outputs = 3;

/**
 * Level 1 of a tree over random dense and one-hot features (some rows with weight 0), on
 * `threads` threads: the level's rows listed by each thread for its rows, the candidates scored,
 * then feature 0's split at bin 10 applied.
 */
/** The random state the search draws the score noise from, in the jobs below. */
const NOISE_STATE = 977;

/** The random state the weigh job draws the bootstrap weights from, in the jobs below. */
const BOOTSTRAP_SEED = 0x5eed;

/** The split job's counts, over the threads: rows with weight ≠ 0 that went right, and left. */
function splitSides(shared: SearchShared): [number, number] {
  let right = 0;
  let left = 0;
  for (let thread = 0; thread < shared.threads; thread++) {
    right += shared.rangeHigh[thread] as number;
    left += shared.rangeLow[thread] as number;
  }
  return [right, left];
}

function levelJobs(
  threads: number,
  broken = false,
  kernelSource?: string,
  onWasm = false,
  alone = false,
  settle = false,
) {
  const rows = 10000;
  const next = mulberry32(11);
  const evalRows = 9000;
  // With `onWasm`, the hot loops in WebAssembly: what they read and write on its memory.
  const wasmArrays = onWasm ? new WasmMemoryArrays() : undefined;
  const learnBins = (values: Uint8Array): Uint8Array => {
    const copy = wasmArrays ? wasmArrays.uint8(values.length) : sharedCopy(values);
    copy.set(values);
    return copy;
  };
  const none = {
    sparseOrdinal: -1,
    sparseAbsent: false,
    sparseRows: new Uint32Array(0),
    binsOnWasm: onWasm,
    binGroups: [],
    jointSize: 0,
    jointBins: [],
    jointCombos: new Uint8Array(0),
  };
  const dense = (binCount: number): SearchFeature => ({
    kind: 0,
    bins: [learnBins(Uint8Array.from({ length: rows }, () => Math.floor(next() * binCount)))],
    binCount,
    ...none,
    evalValues: learnBins(Uint8Array.from({ length: evalRows }, () => Math.floor(next() * binCount))),
  });
  /** A feature of `kind` with `binCount` bins on Uint16Arrays (not on the wasm memory). */
  const wide = (kind: 0 | 1, binCount: number): SearchFeature => ({
    ...dense(2),
    kind,
    binCount,
    binsOnWasm: false,
    bins: [sharedCopy(Uint16Array.from({ length: rows }, () => Math.floor(next() * binCount)))],
    evalValues: sharedCopy(Uint16Array.from({ length: evalRows }, () => Math.floor(next() * binCount))),
  });
  const features: SearchFeature[] = [dense(40), dense(7), dense(255), dense(2), dense(16)];
  // Too many bins for a level-1 histogram (2 × 6000 cells > rows): scored from its rows by bin.
  features.push(wide(0, 6000));
  features.push(wide(1, 4));
  // A feature with no bins at all makes the thread that scores it fail.
  if (broken) features[features.length - 1] = { ...(features.at(-1) as SearchFeature), bins: [] };
  groupBins(features, rows, 3, wasmArrays ?? sharedArrays);
  const bootstrap = (wasmArrays ?? sharedArrays).float64(rows);
  bootstrap.forEach((_, row) => {
    bootstrap[row] = next() < 0.1 ? 0 : next() * 2;
  });
  const weighted = (wasmArrays ?? sharedArrays).float64(rows * outputs);
  weighted.forEach((_, at) => {
    weighted[at] = next() - 0.5;
  });
  // The split of level 0: about a third of the rows went right.
  const leafOf = (wasmArrays ?? sharedArrays).uint32(rows);
  leafOf.forEach((_, row) => {
    leafOf[row] = next() < 0.35 ? 1 : 0;
  });
  const levelRows = new LevelRows(rows, outputs, 3, wasmArrays ?? sharedArrays);
  const draws = features.reduce((sum, feature) => sum + noiseDraws(feature), 0);
  /** Values in [−0.5, 0.5) (`positive`: their magnitudes), on the memory the jobs read. */
  const random = (length: number, positive = false) => {
    const values = (wasmArrays ?? sharedArrays).float64(length);
    values.forEach((_, at) => {
      values[at] = positive ? Math.abs(next() - 0.5) : next() - 0.5;
    });
    return values;
  };
  const target = (wasmArrays ?? sharedArrays).float64(rows);
  target.forEach((_, row) => {
    target[row] = Math.floor(next() * outputs);
  });
  const evalTarget = (wasmArrays ?? sharedArrays).float64(evalRows);
  evalTarget.forEach((_, row) => {
    evalTarget[row] = Math.floor(next() * outputs);
  });
  const hessianSize = kernel.hessianSize(kernel.LOSS.MultiClass, outputs);
  const shared: SearchShared = {
    rows,
    outputs,
    depth: 3,
    features,
    wasm: wasmArrays
      ? wasmPassSetup(
          histogramModule() as WebAssembly.Module,
          wasmArrays,
          threads,
          histogramScratchLength(features, rows, 3, outputs),
          3,
          outputs,
        )
      : undefined,
    kept: keptStores(features, rows, 3, outputs, wasmArrays ?? sharedArrays),
    leafOf,
    bootstrap,
    bootstrapType: kernel.BOOTSTRAP.Bayesian,
    baggingTemperature: 1,
    subsample: 0.8,
    weighted,
    ...levelRows.sharedArrays(),
    raw: random(rows * outputs),
    target,
    gradient: random(rows * outputs),
    // The UPDATE job below derives MultiClass's full Hessian: its upper triangle per row.
    hessian: random(rows * hessianSize, true),
    hessianSize,
    averagingLeafOf: (wasmArrays ?? sharedArrays).uint32(rows),
    evalRows,
    evalLeafOf: (wasmArrays ?? sharedArrays).uint32(evalRows),
    evalRaw: random(evalRows * outputs),
    evalTarget,
    ...searchSlots(
      {
        features: features.length,
        noiseDraws: draws,
        threads,
        rows,
        evalRows,
        outputs,
        hessianSize,
        depth: 3,
      },
      sharedArrays,
      wasmArrays ?? sharedArrays,
    ),
  };
  // Each thread's rows on the smaller side (right: bit 0 set) go after the threads before it.
  let listed = 0;
  for (let thread = 0; thread < threads; thread++) {
    const [from, to] = kernel.rowRange(rows, kernel.blockRows(3), threads, thread);
    shared.rangeAt[thread] = listed;
    for (let row = from; row < to; row++) if (bootstrap[row] !== 0 && leafOf[row] === 1) listed++;
  }
  let at = 0;
  features.forEach((feature, index) => {
    shared.candidates[index] = index;
    shared.noiseAt[index] = at;
    shared.penalty[index] = 1;
    at += noiseDraws(feature);
  });
  // The level's noise: the threads draw each candidate's part of one normal run (odd: a spare first).
  shared.noiseStart.set([NOISE_STATE, 0.37, 1e-3]);
  const { control } = shared;
  control[CONTROL.LEVEL] = 1;
  control[CONTROL.SMALL_IS_HIGH] = 1;
  control[CONTROL.CANDIDATES] = features.length;
  kernel.planBatches(shared, features.length, 2);
  control[CONTROL.NOISE] = 1;
  shared.scaledL2[0] = 3;
  const sparse = new SparseSums(outputs, 0, new Uint32Array(rows + 1), new Uint32Array(0), levelRows);
  const jobs = new FitThreads(shared, sparse, new BootedWorkers(threads - 1, kernelSource));
  const run = (job: Job, beforeOwn?: () => void) =>
    alone ? jobs.runAlone(job, beforeOwn) : jobs.run(job, beforeOwn);
  try {
    levelRows.startTree();
    levelRows.begin(1, true);
    run("LIST");
    levelRows.finish(listed);
    const list = {
      rows: Array.from(levelRows.rows.subarray(0, listed)),
      packed: Array.from(levelRows.packed.subarray(0, listed * (outputs + 1))),
    };
    control[CONTROL.COUNT] = listed;
    control[CONTROL.STAMP] = levelRows.stamp;
    // Broken: the main thread starts late, so a worker takes every candidate, the broken last one too.
    const late = () => {
      const until = Date.now() + 300;
      while (Date.now() < until);
    };
    run("SEARCH", broken ? late : undefined);
    const search = {
      scores: Array.from(shared.bestScore),
      bins: Array.from(shared.bestBin),
      noise: Array.from(shared.noise),
    };
    control[CONTROL.SPLIT_FEATURE] = 0;
    control[CONTROL.SPLIT_BIN] = 10;
    run("SPLIT");
    const sides = splitSides(shared);
    // The per-row jobs: draw the bootstrap and weigh the gradients, sum the leaves of the 4-leaf
    // tree, add leaf values (and sum the eval loss).
    const gradient = Array.from(shared.gradient);
    const listedBootstrap = Float64Array.from(bootstrap);
    control[CONTROL.BOOTSTRAP_STATE] = BOOTSTRAP_SEED;
    run("WEIGH");
    const weigh = { gradient, bootstrap: Array.from(bootstrap), blockSums: Array.from(shared.blockSums) };
    // Level 2 on feature 1 at bin 3: every row now has weight ≠ 0, so the split counts its sides
    // as it splits the rows.
    control[CONTROL.LEVEL] = 2;
    control[CONTROL.SPLIT_FEATURE] = 1;
    control[CONTROL.SPLIT_BIN] = 3;
    run("SPLIT");
    const weighedSides = splitSides(shared);
    // The tree (feature 0 at bin 20, then the one-hot feature's value 2) on the averaging fold
    // and the eval rows.
    shared.treeSplits.set([0, 20, 5, 2]);
    control[CONTROL.TREE_LEVELS] = 2;
    control[CONTROL.AVERAGING_FOLD] = 0;
    control[CONTROL.LEAF_ROWS] = 1;
    control[CONTROL.LEAF_COUNT] = 4;
    run("TREE");
    shared.leafValues.set([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8, -0.9, 1, 1.1, -1.2]);
    control[CONTROL.LOSS] = kernel.LOSS.MultiClass;
    control[CONTROL.ADD_LEAVES] = 1;
    control[CONTROL.EVAL_LOSS] = 1;
    run("UPDATE");
    const perRow = {
      weighted: Array.from(weighted),
      blockSums: Array.from(shared.blockSums),
      blockLeaves: Array.from(shared.blockLeaves),
      raw: Array.from(shared.raw),
      gradient: Array.from(shared.gradient),
      blockLoss: Array.from(shared.blockLoss),
      blockEvalLoss: Array.from(shared.blockEvalLoss),
      evalTarget: Array.from(evalTarget),
      averagingLeafOf: Array.from(shared.averagingLeafOf),
      evalLeafOf: Array.from(shared.evalLeafOf),
      evalRaw: Array.from(shared.evalRaw),
    };
    if (settle) jobs.settle();
    return {
      perRow,
      weigh,
      list,
      search,
      leafOf: Array.from(leafOf),
      sides,
      weighedSides,
      levelRows,
      /** The weights the level's rows were listed and split with (before the weigh job's). */
      bootstrap: listedBootstrap,
      weighted,
    };
  } finally {
    jobs.close();
  }
}

describe("FitThreads", () => {
  it("lists, scores and splits the same on worker threads as on the main thread alone", () => {
    const alone = levelJobs(1);
    const threaded = levelJobs(3);
    expect(threaded.list).toEqual(alone.list);
    expect(threaded.search).toEqual(alone.search);
    expect(alone.search.bins.every((bin) => bin >= 0)).toBe(true);
    expect(threaded.leafOf).toEqual(alone.leafOf);
    expect(threaded.sides).toEqual(alone.sides);
    expect(threaded.perRow).toEqual(alone.perRow);
    expect(alone.perRow.blockLoss).toHaveLength(3);
    expect(new Set(alone.perRow.evalLeafOf)).toEqual(new Set([0, 1, 2, 3]));
  });

  /** The jobs' results of two `levelJobs` runs are the same. */
  const expectSameJobs = (actual: ReturnType<typeof levelJobs>, expected: ReturnType<typeof levelJobs>) => {
    expect(actual.list).toEqual(expected.list);
    expect(actual.search).toEqual(expected.search);
    expect(actual.leafOf).toEqual(expected.leafOf);
    expect(actual.sides).toEqual(expected.sides);
    expect(actual.weighedSides).toEqual(expected.weighedSides);
    expect(actual.perRow).toEqual(expected.perRow);
  };

  it("lists, scores, splits and finds the tree's leaves the same with the hot loops in WebAssembly, on the main thread alone and on workers", () => {
    const reference = levelJobs(1);
    for (const threads of [1, 3]) expectSameJobs(levelJobs(threads, false, undefined, true), reference);
  });

  it("does every job the same on the main thread alone (runAlone, as while the workers boot) as on every thread", () => {
    const reference = levelJobs(3);
    for (const onWasm of [false, true])
      expectSameJobs(levelJobs(3, false, undefined, onWasm, true, true), reference);
  });

  it("draws the score noise where it lies in the random stream, whichever thread scores a candidate", () => {
    const { search } = levelJobs(3);
    // The spare value first, then the normal draws of the stream at NOISE_STATE, times the scale.
    const normal = normalSource(mulberry32(NOISE_STATE));
    expect(search.noise).toEqual(search.noise.map((_, draw) => 1e-3 * (draw === 0 ? 0.37 : normal())));
  });

  it("weighs the gradients by the bootstrap and sums per block Σ w and Σ g² of the gradients before it (the noise's scale)", () => {
    const { weigh, perRow } = levelJobs(2);
    const { gradient, bootstrap, blockSums } = weigh;
    const outputs = gradient.length / bootstrap.length;
    const block = kernel.blockRows(3);
    for (let first = 0, at = 0; first < bootstrap.length; first += block, at++) {
      const rows = bootstrap.slice(first, first + block);
      const gradients = gradient.slice(first * outputs, (first + block) * outputs);
      expect(blockSums[at * 2]).toBeCloseTo(
        rows.reduce((sum, w) => sum + w, 0),
        9,
      );
      expect(blockSums[at * 2 + 1]).toBeCloseTo(
        gradients.reduce((sum, g) => sum + g * g, 0),
        9,
      );
    }
    // Each row's weight is the next draw of one random stream, in row order: −log u (Bayesian).
    const stream = mulberry32(BOOTSTRAP_SEED);
    expect(bootstrap).toEqual(bootstrap.map(() => -Math.log(stream() + 1e-100)));
    expect(perRow.weighted.slice(0, 6)).toEqual(
      gradient.slice(0, 6).map((g, at) => g * (bootstrap[Math.floor(at / outputs)] as number)),
    );
  });

  it("adds the tree's leaf values to the eval rows and sums their loss per block of eval rows", () => {
    const { perRow } = levelJobs(2);
    const { evalRaw, evalTarget, evalLeafOf, blockEvalLoss } = perRow;
    const outputs = evalRaw.length / evalTarget.length;
    expect(blockEvalLoss).toHaveLength(Math.ceil(evalTarget.length / kernel.blockRows(3)));
    expect(new Set(evalLeafOf)).toEqual(new Set([0, 1, 2, 3]));
    // MultiClass: logsumexp(a) − a_y per row, summed in one go.
    let loss = 0;
    evalTarget.forEach((label, row) => {
      const a = evalRaw.slice(row * outputs, (row + 1) * outputs);
      loss += Math.log(a.reduce((sum, value) => sum + Math.exp(value), 0)) - (a[label] as number);
    });
    expect(blockEvalLoss.reduce((sum, value) => sum + value, 0)).toBeCloseTo(loss, 8);
  });

  it("lists the rows one thread lists alone, and splits as the split says", () => {
    const { list, leafOf, sides, bootstrap, weighted } = levelJobs(3);
    const reference = new LevelRows(10000, outputs, 3);
    const before = Uint32Array.from(leafOf, (leaf) => leaf & 1);
    reference.startTree();
    reference.startLevel(1, before, bootstrap, weighted);
    expect(list.rows).toEqual(Array.from(reference.rows.subarray(0, reference.count)));
    expect(list.rows.every((row) => (before[row] as number) === 1)).toBe(true);
    // Feature 0 (40 bins) at bin 10: rows with bin > 10 have bit 1 set.
    const right = leafOf.filter((leaf, row) => bootstrap[row] !== 0 && (leaf & 2) !== 0).length;
    const left = leafOf.filter((leaf, row) => bootstrap[row] !== 0 && (leaf & 2) === 0).length;
    expect(sides).toEqual([right, left]);
    expect(right).toBeGreaterThan(0);
    expect(left).toBeGreaterThan(0);
  });

  it("counts the sides of a split as it splits when every row has weight ≠ 0", () => {
    const { weighedSides, weigh, leafOf } = levelJobs(3);
    expect(weigh.bootstrap.every((weight) => weight !== 0)).toBe(true);
    // Feature 1 (7 bins) at bin 3: rows with bin > 3 have bit 2 set.
    const right = leafOf.filter((leaf) => (leaf & 4) !== 0).length;
    expect(weighedSides).toEqual([right, leafOf.length - right]);
    expect(right).toBeGreaterThan(0);
    expect(weighedSides[1]).toBeGreaterThan(0);
  });

  it("throws the error of a worker thread on the main thread", () => {
    expect(() => levelJobs(2, true)).toThrow(/a gbdt worker thread failed: TypeError/);
  });

  it("throws a worker's boot error when the fit's jobs all ran alone before it booted (settle)", () => {
    const broken = "function () { throw new Error('the kernel does not evaluate'); }";
    expect(() => levelJobs(2, false, broken, false, true, true)).toThrow(
      /a gbdt worker thread failed: Error: the kernel does not evaluate/,
    );
  });

  it("throws, rather than waits for ever, when a worker's program fails before it serves a job", () => {
    const broken = "function () { throw new Error('the kernel does not evaluate'); }";
    expect(() => levelJobs(2, false, broken)).toThrow(
      /a gbdt worker thread failed: Error: the kernel does not evaluate/,
    );
  });
});

describe("BootedWorkers", () => {
  it("hands a fit the workers booted early, starts more when it needs more, and ends those it did not take", async () => {
    const booted = new BootedWorkers(3);
    const taken = booted.take(1);
    expect(taken).toHaveLength(1);
    expect(await booted.terminate()).toHaveLength(2);
    expect(await booted.terminate()).toEqual([]);
    const more = new BootedWorkers(1);
    const started = more.take(3);
    expect(started).toHaveLength(3);
    expect(await more.terminate()).toEqual([]);
    expect(await Promise.all([...taken, ...started].map((worker) => worker.terminate()))).toHaveLength(4);
  });
});

describe("searchThreads", () => {
  const feature = (kind: 0 | 2): SearchFeature => ({
    kind,
    bins: [],
    binCount: 2,
    binsOnWasm: false,
    binGroups: [],
    sparseOrdinal: 0,
    sparseAbsent: false,
    sparseRows: new Uint32Array(0),
    evalValues: new Uint32Array(0),
    jointSize: 0,
    jointBins: [],
    jointCombos: new Uint8Array(0),
  });

  it("asks for thread_count threads; for −1 one per core, but one below MIN_THREAD_ROWS rows", () => {
    expect(requestedThreads(3, 10)).toBe(3);
    expect(requestedThreads(-1, MIN_THREAD_ROWS - 1)).toBe(1);
    expect(requestedThreads(-1, MIN_THREAD_ROWS)).toBe(availableParallelism());
  });

  it("has workers spin between jobs only where every thread lists and splits, and not with more threads than cores", () => {
    const cores = availableParallelism();
    expect(workerSpinMicros(ALONE_ROWS, 2)).toBe(0);
    expect(workerSpinMicros(ALONE_ROWS + 1, cores)).toBe(1000);
    expect(workerSpinMicros(ALONE_ROWS + 1, cores + 1)).toBe(0);
  });

  it("uses the threads asked for, at most one per dense feature; for −1 the cores, one for small data", () => {
    const features = [feature(0), feature(0), feature(2), feature(2)];
    expect(searchThreads(2, MIN_THREAD_ROWS, features)).toBe(2);
    expect(searchThreads(8, MIN_THREAD_ROWS, features)).toBe(2);
    expect(searchThreads(2, 100, features)).toBe(2);
    expect(searchThreads(-1, MIN_THREAD_ROWS - 1, features)).toBe(1);
    expect(searchThreads(-1, MIN_THREAD_ROWS, [feature(0)])).toBe(1);
  });

  it("sizes each feature's kept histogram for the largest level that keeps it", () => {
    const dense = { ...feature(0), binCount: 100 };
    const oneHot = { ...feature(0), kind: 1 as const, binCount: 3 };
    const [forDense, forOneHot, forSparse] = keptStores(
      [dense, oneHot, feature(2)],
      1000,
      6,
      2,
      sharedArrays,
    ).values;
    // Dense: levels 0…4 keep; 2 · leaves · 100 ≤ 1000 up to 4 leaves (level 2). One-hot: level 4, 16 leaves.
    expect(forDense).toHaveLength(4 * 100 * 3);
    expect(forOneHot).toHaveLength(16 * 3 * 3);
    expect(forSparse).toHaveLength(0);
  });

  it("sizes the histogram scratch for the largest histogram the fit sums", () => {
    const dense = { ...feature(0), binCount: 100 };
    const oneHot = { ...feature(0), kind: 1 as const, binCount: 3 };
    // Dense: leaves · 100 ≤ 1000 up to 8 leaves (level 3); one-hot at every level, up to 32 leaves (level 5).
    expect(histogramScratchLength([dense, feature(2)], 1000, 6, 2)).toBe(8 * 100 * 3);
    expect(histogramScratchLength([dense, oneHot], 1000, 6, 2)).toBe(8 * 100 * 3);
    expect(histogramScratchLength([oneHot], 1000, 6, 3)).toBe(32 * 3 * 4);
    expect(histogramScratchLength([feature(2)], 1000, 6, 3)).toBe(0);
  });

  it("sums histograms in WebAssembly for strides 2 and 4 (one or three outputs) while its memory stays within 4 GiB", () => {
    const dense = { ...feature(0), bins: [new Uint8Array(0), new Uint8Array(0)], binCount: 255 };
    const size = (rows: number, outputs: number) => ({
      rows,
      evalRows: rows / 2,
      depth: 8,
      outputs,
      hessianSize: (outputs * (outputs + 1)) / 2,
      threads: 2,
      scratchLength: 128 * 255 * (outputs + 1),
      jointBytes: 0,
    });
    expect(wasmPassFits([dense], size(1e6, 3))).toBe(true);
    expect(wasmPassFits([dense], size(1e6, 1))).toBe(true);
    expect(wasmPassFits([dense], size(1e6, 2))).toBe(false);
    expect(wasmPassFits([dense], size(1e6, 4))).toBe(false);
    // 154 bytes per learn row (the listed row: row, leaf, weight, three gradients; leafOf,
    // averagingLeafOf, bootstrap, weighted, gradient, six Hessian entries; two bins) and 5 per
    // eval row (leaf, bin), half as many: 4 GiB hold ~27 M learn rows.
    expect(wasmPassFits([dense], size(2.5e7, 3))).toBe(true);
    expect(wasmPassFits([dense], size(3e7, 3))).toBe(false);
    // With room for groups' joint bins (joint-bins.ts): a byte per learn row, fold and feature
    // that can be in a group (four folds of four CTRs).
    expect(wasmPassFits([dense], { ...size(2.5e7, 3), jointBytes: 16 * 2.5e7 })).toBe(false);
  });
});

describe("train on several threads", () => {
  const columns = ({ x, z, id, city, flag, note, labels }: ReturnType<typeof creditLike>) => ({
    features: { x, z },
    categorical: { id, city, flag },
    text: { note },
    labels,
  });
  // Two blocks of learn rows and two of eval rows: the third thread has none.
  const data = columns(creditLike(MIN_THREAD_ROWS + 1000, 5));
  const evalData = columns(creditLike(5000, 6));
  const params = {
    iterations: 12,
    depth: 5,
    rsm: 0.8,
    random_seed: 3,
    cat_features: ["id", "city", "flag"],
  };

  // Each bootstrap type: the threads draw the weights of their own rows.
  for (const bootstrap of [
    { bootstrap_type: "Bayesian" as const, bagging_temperature: 0.7 },
    { bootstrap_type: "Bernoulli" as const, subsample: 0.6 },
    { bootstrap_type: "No" as const },
  ])
    it(`gives byte-identical models and metrics on 1, 2 and 3 threads (numeric, CTR, one-hot, text; ${bootstrap.bootstrap_type} bootstrap)`, () => {
      const results = [1, 2, 3].map((thread_count) =>
        train(data, { ...params, ...bootstrap, thread_count }, { eval: evalData }),
      );
      const [alone, ...threaded] = results.map((result) =>
        JSON.stringify({ model: result.model, learn: result.learnMetrics, eval: result.evalMetrics }),
      );
      expect(threaded).toEqual([alone, alone]);
      expect(results[0]?.model.toJSON().trees.length).toBeGreaterThan(0);
      expect(Object.values(results[0]?.evalMetrics ?? {})[0]).toHaveLength(12);
    });

  it("gives byte-identical models on 1 and 2 threads above 200,000 learn rows, with borders from CatBoost's sample", () => {
    const { x, z, city, labels } = creditLike(BORDER_SAMPLE_SIZE + 10_000, 9);
    const [alone, threaded] = [1, 2].map((thread_count) =>
      train(
        { features: { x, z }, categorical: { city }, labels },
        { iterations: 5, depth: 4, random_seed: 4, cat_features: ["city"], thread_count },
      ).model.toJSON(),
    );
    expect(JSON.stringify(threaded)).toEqual(JSON.stringify(alone));
    // The splits on x use borders of the sample, not those of all its values.
    const allBorders = new Set(computeBorders(x, 254));
    const xBorders = (alone?.trees ?? []).flatMap((tree) =>
      tree.splits.filter((split) => split.feature === 0).map((split) => split.border),
    );
    expect(xBorders.length).toBeGreaterThan(0);
    expect(xBorders.some((border) => !allBorders.has(border))).toBe(true);
  });

  it("gives byte-identical models and metrics on 1 and 2 threads where every thread lists and splits (workers spinning between jobs)", () => {
    const large = columns(creditLike(ALONE_ROWS + 1000, 7));
    const [alone, threaded] = [1, 2].map((thread_count) => {
      const result = train(large, { ...params, depth: 6, thread_count }, { eval: evalData });
      return JSON.stringify({ model: result.model, learn: result.learnMetrics, eval: result.evalMetrics });
    });
    expect(threaded).toEqual(alone);
  });
});
