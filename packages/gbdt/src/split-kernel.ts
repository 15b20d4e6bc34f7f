/** A feature's quantized values: one bin per learn row. */
export type Bins = Uint8Array | Uint16Array;

/** The rows a level's histograms are summed over (histograms.ts's LevelRows, or a worker's view of it). */
export interface LevelView {
  readonly rows: Uint32Array;
  readonly leafOfRow: Uint32Array;
  /** Per listed row: its bootstrap weight, then its weighted gradient per output. */
  readonly packed: Float64Array;
  count: number;
  level: number;
  leaves: number;
  /** Whether the listed rows are the smaller side with the level's bit set. */
  smallIsHigh: boolean;
  /** Counts (tree, level): a kept histogram is the level above's when its stamp is this − 1. */
  stamp: number;
}

/** Where a level's rows are listed (histograms.ts's LevelRows): see the kernel's `listRows`. */
export interface LevelList {
  readonly rows: Uint32Array;
  readonly leafOfRow: Uint32Array;
  readonly packed: Float64Array;
  /** Per block of rows: Σ weight, then Σ weighted gradient per output, per leaf of the level. */
  readonly blockTotals: Float64Array;
}

/** A feature whose level histogram `HistogramBuilder.build` sums. */
export interface HistogramRequest {
  feature: number;
  bins: Bins;
  binCount: number;
  /** Keep it for the next level's subtraction. */
  keep: boolean;
  /** Whether `bins` is a Uint8Array on the histogram pass's wasm memory (`SearchShared.wasm`). */
  onWasm: boolean;
  /**
   * Features in the group this request is the first of, summed jointly with the next requests in
   * one pass over `jointBins` (the fold's, on the wasm memory) — the group's `jointCombos` — ; 0:
   * none.
   */
  jointSize: number;
  jointBins: Bins;
  jointCombos: Uint8Array;
}

/** How a split-search feature is scored: `bin > b` (dense), `value == v` (one-hot), `present` (sparse). */
export type SearchFeatureKind = 0 | 1 | 2;

/** One feature as the split search sees it: plain data, so it can be handed to worker threads. */
export interface SearchFeature {
  kind: SearchFeatureKind;
  /** Dense: bins per learning fold (one entry when they do not depend on it); one-hot: [value ids]. */
  bins: Bins[];
  binCount: number;
  /** Sparse: index in the sparse sums; whether they are over the rows where it is absent. */
  sparseOrdinal: number;
  sparseAbsent: boolean;
  /** Sparse: the learn rows where it is 1, ascending. */
  sparseRows: Uint32Array;
  /** On the eval rows: the bins / value ids (dense, one-hot), the rows where it is 1 (sparse). */
  evalValues: Bins | Uint32Array;
  /**
   * Dense, when some level scores it from its rows by bin (one where it does not
   * `usesHistogram`): per learning fold (one entry when the bins do not depend on it), its rows
   * grouped by bin.
   */
  binGroups: BinGroups[];
  /**
   * Dense, one-hot: whether `bins` (every fold's) are Uint8Arrays on `SearchShared.wasm`'s memory;
   * dense: `evalValues` too.
   */
  binsOnWasm: boolean;
  /**
   * Dense, the first of a group of features (else 0): how many — it and the next ones — a level
   * where it `usesJoint` sums in one histogram pass over their joint bins, then reads their
   * histograms off the joint one (`marginals`). `jointBins`: per learning fold (one entry when
   * they do not depend on it), each learn row's combination of the group's bins, as an index into
   * `jointCombos` (Uint8 on the wasm memory); `jointCombos`: the combinations some row has, their
   * members' bins (`jointSize` each, Uint8 on the wasm memory), at most 256 of them.
   */
  jointSize: number;
  jointBins: Bins[];
  jointCombos: Uint8Array;
}

/**
 * The histogram work in WebAssembly (histogram-wasm.ts): the compiled module and the shared
 * memory that holds what it reads and writes — the level's list (`levelRows`, `levelLeafOfRow`,
 * `levelPacked`, `levelBlockTotals`), `leafOf`, `averagingLeafOf`, `evalLeafOf`, `bootstrap`,
 * `weighted`, `gradient`, `hessian`, `blockLeaves`, `blockSums`, `leafValues`, `raw`, `target`,
 * `evalRaw`, `evalTarget`, the kept histograms, the
 * bins of the features marked `binsOnWasm` and, per thread, its histogram scratch
 * (`HistogramBuilder.SLOTS` slots of `scratchLength` doubles from byte `scratchAt[thread]`) and
 * its list scratch (`blockRows(depth)` u32 from byte `listScratchAt[thread]`); also, for the score
 * of dense features, `totalWeight`, `totalDelta`, `noise` and the features' `binGroups`.
 */
export interface WasmPassSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  scratchAt: number[];
  scratchLength: number;
  listScratchAt: number[];
  /** Per thread, its scratch for the wasm score of dense features (the kernel's `scoreScratch`). */
  scoreAt: number[];
}

/** A feature's learn rows grouped by bin, in row order within a bin: bin b's are rows[start[b] … start[b + 1]). */
export interface BinGroups {
  rows: Uint32Array;
  start: Uint32Array;
}

/** The sparse features' per-(feature, leaf) sums of the current level (histograms.ts's SparseSums). */
export interface SparseSource {
  readonly values: Float64Array;
  offset(ordinal: number): number;
}

/**
 * Everything the jobs of a fit read and write, on SharedArrayBuffers when worker threads take
 * part. For the split search the main thread fills the level's rows, totals, candidates,
 * penalties, pre-drawn noise and batches, then the threads take the batches from a shared counter
 * and write each one's best score and bin into `bestScore` / `bestBin`.
 */
export interface SearchShared {
  /**
   * Threads taking part; thread t's rows (in every per-row job) are those of blocks
   * [⌊blocks·t/threads⌋, ⌊blocks·(t+1)/threads⌋) of `blockRows(depth)` rows each.
   */
  threads: number;
  rows: number;
  outputs: number;
  depth: number;
  features: SearchFeature[];
  /** The hot loops in WebAssembly, where the stride and the runtime allow it (`WasmPassSetup`). */
  wasm?: WasmPassSetup;
  /**
   * Each feature's histogram kept for the next level's subtraction (sized for the largest one the
   * fit keeps) and its stamp: any thread may score a feature at any level.
   */
  kept: { values: Float64Array[]; stamps: Float64Array };
  leafOf: Uint32Array;
  /** The tree's bootstrap weight per row (the weigh job draws them) and how they are drawn. */
  bootstrap: Float64Array;
  bootstrapType: number;
  baggingTemperature: number;
  subsample: number;
  weighted: Float64Array;
  levelRows: Uint32Array;
  levelLeafOfRow: Uint32Array;
  levelPacked: Float64Array;
  levelBlockTotals: Float64Array;
  totalWeight: Float64Array;
  totalDelta: Float64Array;
  /** Int32 slots at the kernel's CONTROL indices. */
  control: Int32Array;
  /** [scaled l2 of the scores]. */
  scaledL2: Float64Array;
  /** Feature indices tried at this level, in order; per candidate, the start of its noise draws. */
  candidates: Int32Array;
  /**
   * The level's search batches (`planBatches`): batch b's candidates are [batchStarts[b],
   * batchStarts[b + 1]).
   */
  batchStarts: Int32Array;
  noiseAt: Int32Array;
  /** Per candidate: the CTR model-size penalty (1 for other features). */
  penalty: Float64Array;
  /**
   * The level's score noise in candidate order (each split's, then the feature's own): the
   * thread that scores a candidate draws its part (`normalDraws`) from `noiseStart`.
   */
  noise: Float64Array;
  /**
   * Where the level's noise starts in the fit's random stream, and its scale: the mulberry32
   * state, the spare normal value left from the last Box–Muller pair (NaN: none), the scale.
   */
  noiseStart: Float64Array;
  bestScore: Float64Array;
  bestBin: Int32Array;
  /** Per thread: where its rows go in the level's list (the list job); its rows with weight ≠ 0 with
   * the new split's bit set and not set (the split job). */
  rangeAt: Int32Array;
  rangeHigh: Int32Array;
  rangeLow: Int32Array;
  /** The eval rows: how many, each one's leaf in the tree, raw outputs and target. */
  evalRows: number;
  evalLeafOf: Uint32Array;
  evalRaw: Float64Array;
  evalTarget: Float64Array;
  /** The tree's splits: feature and bin per level (the tree job). */
  treeSplits: Int32Array;
  /**
   * Per row: raw outputs, target (class index or value), derivatives (`hessianSize` second
   * derivatives per row: see `hessianSize`), averaging-fold leaf.
   */
  raw: Float64Array;
  target: Float64Array;
  gradient: Float64Array;
  hessian: Float64Array;
  hessianSize: number;
  averagingLeafOf: Uint32Array;
  /** The tree's leaf values (leaf × outputs + k), for the update job. */
  leafValues: Float64Array;
  /** Per block of rows (`blockRows`): [Σ bootstrap weight, Σ g²] (weigh job); the loss sum (update job). */
  blockSums: Float64Array;
  blockLoss: Float64Array;
  /** Per block of eval rows: their loss sum (update job, when `CONTROL.EVAL_LOSS` is set). */
  blockEvalLoss: Float64Array;
  /**
   * Per block (tree job): rows per leaf, then Σ gradient per (leaf, output), then Σ hessian per
   * (leaf, hessian entry): `leafCount × (1 + outputs + hessianSize)` values each.
   */
  blockLeaves: Float64Array;
  /**
   * Per thread: the last generation (job) it finished; for a worker, 0 until it has booted and
   * set up its jobs, then `WORKER_READY` until its first job.
   */
  doneGeneration: Int32Array;
  /** A worker's error message, UTF-8, when it failed. */
  failure: Uint8Array;
}

/**
 * A fit's hot code, which the threads share: listing and splitting rows, the histograms and
 * per-feature scores of the split search, and the per-row work of a tree. It is one
 * self-contained function — it uses nothing from its module — because worker threads run it from
 * its own source text (`splitKernel.toString()`, see split-threads.ts): the steps ship as
 * single-file bundles and tests run TypeScript sources, so there is no worker file to point at.
 * The main thread calls it too, so every thread runs the same code on the same doubles.
 */
export function splitKernel() {
  /** Indices in `SearchShared.control`. */
  const CONTROL = {
    GENERATION: 0,
    STOP: 1,
    FAILED: 2,
    JOB: 3,
    LEVEL: 4,
    FOLD: 5,
    COUNT: 6,
    SMALL_IS_HIGH: 7,
    STAMP: 8,
    CANDIDATES: 9,
    NOISE: 10,
    SPLIT_FEATURE: 11,
    SPLIT_BIN: 12,
    LOSS: 13,
    LEAF_ROWS: 14,
    LEAF_COUNT: 15,
    ADD_LEAVES: 16,
    TREE_LEVELS: 17,
    AVERAGING_FOLD: 18,
    /** The next search batch a thread takes (`SearchShared.batchStarts`), and how many there are. */
    NEXT_BATCH: 19,
    /** The random state before the tree's bootstrap draws (an unsigned 32-bit state, as int32). */
    BOOTSTRAP_STATE: 20,
    /** Whether the update job also sums the eval rows' loss per eval block. */
    EVAL_LOSS: 21,
    /** How long a worker spins on GENERATION after a job before it sleeps (µs; 0: it sleeps at once). */
    SPIN_MICROS: 22,
    BATCHES: 23,
    SIZE: 24,
  } as const;
  /** A worker's done slot once it has booted and set up its jobs, before its first job. */
  const WORKER_READY = -2;
  /** What the threads do when woken (`CONTROL.JOB`). */
  const JOB = { LIST: 0, SEARCH: 1, SPLIT: 2, WEIGH: 3, UPDATE: 4, TREE: 5 } as const;
  /** The bootstrap types as `SearchShared.bootstrapType` codes. */
  const BOOTSTRAP = { No: 0, Bayesian: 1, Bernoulli: 2 } as const;
  /** The losses as `CONTROL.LOSS` codes. */
  const LOSS = { RMSE: 0, Logloss: 1, MultiClassOneVsAll: 2, MultiClass: 3 } as const;
  /**
   * Rows per block of a fit of depth `depth`. Sums over rows are taken per block, then over the
   * blocks in block order, so they are the same whichever thread sums a block. At least 16 rows
   * per leaf, so that the per-block leaf sums of deep trees stay smaller than the rows.
   */
  const blockRows = (depth: number): number => Math.max(4096, 16 * 2 ** depth);

  /**
   * Second derivatives per row of a loss (a LOSS code): MultiClass has the full symmetric Hessian
   * of the softmax, `diag(p) − p·pᵀ`, kept as its upper triangle row by row (CatBoost's
   * TMultiClassError, EHessianType::Symmetric); the other losses one per output (diagonal).
   */
  const hessianSize = (loss: number, outputs: number): number =>
    loss === LOSS.MultiClass ? (outputs * (outputs + 1)) / 2 : outputs;

  /**
   * Whether a dense or one-hot feature is scored from a level histogram of `leaves` leaves, over
   * `rows` learn rows. With few rows for the (leaf, bin) cells (deep levels, small data) its rows
   * are walked bin by bin instead of filling and scanning a histogram that is mostly empty. A
   * level keeps a feature's histogram when the next level uses one (`2 × leaves`).
   */
  const usesHistogram = (feature: SearchFeature, rows: number, leaves: number): boolean =>
    feature.kind !== 2 && feature.binCount >= 2 && (feature.kind === 1 || rows >= leaves * feature.binCount);

  /**
   * Cells per leaf of a group's joint histogram (`group`: its first feature, or a request for it):
   * its combinations.
   */
  const jointCount = (group: { jointCombos: Uint8Array; jointSize: number }): number =>
    group.jointCombos.length / group.jointSize;

  /**
   * Whether a group (`feature` its first) is summed jointly at a level of `leaves` leaves that
   * lists `listed` rows: where they are at least one per cell of its joint histogram that they
   * fill (the listed side's, `leaves / 2` per combination; all at level 0). A joint pass saves
   * `size − 1` cell updates per listed row; reading the group's histograms off the joint one costs
   * `size` per cell.
   */
  const usesJoint = (feature: SearchFeature, listed: number, leaves: number): boolean =>
    feature.jointSize > 0 && listed >= Math.max(1, leaves >> 1) * jointCount(feature);

  /**
   * The level's search batches in `shared.batchStarts` (and `CONTROL.BATCHES`, the counter at 0):
   * up to `BATCH` histogram columns — a candidate, or a group summed jointly (`joinedAt`) — and
   * `2 × BATCH` candidates each, which a thread sums in one pass over the listed rows.
   */
  function planBatches(shared: SearchShared, count: number, leaves: number): void {
    const { batchStarts, control } = shared;
    let batches = 0;
    let columns = 0;
    let members = 0;
    batchStarts[0] = 0;
    for (let candidate = 0; candidate < count; ) {
      const size = Math.max(1, joinedAt(shared, candidate, count, leaves));
      if (columns === HistogramBuilder.BATCH || members + size > 2 * HistogramBuilder.BATCH) {
        batchStarts[++batches] = candidate;
        columns = 0;
        members = 0;
      }
      columns++;
      members += size;
      candidate += size;
    }
    batchStarts[++batches] = count;
    control[CONTROL.BATCHES] = batches;
    control[CONTROL.NEXT_BATCH] = 0;
  }

  /**
   * The size of the group that candidate `candidate` is the first of, when the group's features
   * are the next candidates (before `end`), each scored from a histogram, and the level sums them
   * jointly; else 0.
   */
  function joinedAt(shared: SearchShared, candidate: number, end: number, leaves: number): number {
    const { candidates, features, control, rows } = shared;
    const first = candidates[candidate]!;
    const feature = features[first] as SearchFeature;
    const size = feature.jointSize;
    if (size === 0 || candidate + size > end || !usesJoint(feature, control[CONTROL.COUNT]!, leaves))
      return 0;
    for (let member = 0; member < size; member++)
      if (
        candidates[candidate + member] !== first + member ||
        !usesHistogram(features[first + member] as SearchFeature, rows, leaves)
      )
        return 0;
    return size;
  }

  /** Leaves of a fit of depth `depth`'s deepest level that lists rows (level depth − 1). */
  const maxLeaves = (depth: number): number => 1 << Math.max(0, depth - 1);

  /** Thread `thread`'s blocks of `rows` rows, `block` rows each: [from, to) block indices. */
  function blockRange(rows: number, block: number, threads: number, thread: number): [number, number] {
    const blocks = Math.ceil(rows / block);
    return [Math.floor((blocks * thread) / threads), Math.floor((blocks * (thread + 1)) / threads)];
  }

  /** Thread `thread`'s rows of `rows`, those of its blocks (`blockRange`): [from, to). */
  function rowRange(rows: number, block: number, threads: number, thread: number): [number, number] {
    const [first, end] = blockRange(rows, block, threads, thread);
    return [Math.min(rows, first * block), Math.min(rows, end * block)];
  }

  /**
   * Whose share of the eval rows thread `thread` takes: the shares in reverse order, so the main
   * thread (thread 0) takes the first (or only) eval block. On small data it then has the larger
   * part of the jobs that work on learn and eval rows, and seldom sleeps waiting for a worker
   * (a thread woken from `Atomics.wait` can take ~0.5 ms to run).
   */
  const evalThread = (threads: number, thread: number): number => threads - 1 - thread;

  /** mulberry32's step: each draw adds it to the state (mod 2³²), then hashes the sum. */
  const MULBERRY32_STEP = 0x6d2b79f5;
  /** mulberry32's state `draws` draws after `state`. */
  const mulberry32Skip = (state: number, draws: number): number =>
    (state + Math.imul(draws, MULBERRY32_STEP)) >>> 0;
  /** mulberry32's draw in [0, 1) from a state (stepped already). */
  function mulberry32Draw(state: number): number {
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Draws [from, from + count) of a run of standard normal draws, times `scale`, into
   * `out[from …]`: the run starts with `spare` when it is not NaN, then Box–Muller pairs from the
   * mulberry32 stream at `state` (pair j: its draws 2j + 1 and 2j + 2; the cosine value, then the
   * sine value); random.ts's `normalSource` draws its pairs with it. Any part of the run can so
   * be drawn by any thread.
   */
  function normalDraws(
    out: Float64Array,
    from: number,
    count: number,
    state: number,
    spare: number,
    scale: number,
  ): void {
    const offset = Number.isNaN(spare) ? 0 : 1;
    const end = from + count;
    let draw = from;
    if (draw === 0 && offset === 1 && draw < end) out[draw++] = scale * spare;
    while (draw < end) {
      const pair = (draw - offset) >> 1;
      const radius = Math.sqrt(-2 * Math.log(1 - mulberry32Draw(mulberry32Skip(state, 2 * pair + 1))));
      const angle = 2 * Math.PI * mulberry32Draw(mulberry32Skip(state, 2 * pair + 2));
      if (((draw - offset) & 1) === 0) {
        out[draw++] = scale * (radius * Math.cos(angle));
        if (draw < end) out[draw++] = scale * (radius * Math.sin(angle));
      } else out[draw++] = scale * (radius * Math.sin(angle));
    }
  }

  /** Noise values the search draws for a feature at a level: one per split, one to compare features. */
  function noiseDraws(feature: SearchFeature): number {
    if (feature.kind === 2) return feature.sparseRows.length === 0 ? 0 : 2;
    if (feature.binCount < 2) return 0;
    return feature.kind === 1 ? feature.binCount + 1 : feature.binCount;
  }

  const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
  /** log(1 + e^x) without overflow. */
  const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

  /** The logistic loss of raw output `a` for a positive (`y` = 1) or negative row, overflow-safe. */
  const logisticLoss = (a: number, positive: boolean): number => (positive ? softplus(-a) : softplus(a));

  /**
   * Row `row`'s loss term (a LOSS code), from raw outputs in overflow-safe form: squared error
   * (RMSE), Logloss `y·softplus(−a) + (1−y)·softplus(a)`, MultiClassOneVsAll that summed over
   * the classes, MultiClass `logsumexp(a) − a_y`. `target` holds class indices or values (RMSE).
   */
  function rowLoss(
    loss: number,
    raw: Float64Array,
    target: Float64Array,
    outputs: number,
    row: number,
  ): number {
    if (loss === LOSS.RMSE) return (raw[row]! - target[row]!) ** 2;
    if (loss === LOSS.Logloss) return logisticLoss(raw[row]!, target[row] === 1);
    const label = target[row]!;
    const base = row * outputs;
    let total = 0;
    if (loss === LOSS.MultiClassOneVsAll) {
      for (let k = 0; k < outputs; k++) total += logisticLoss(raw[base + k]!, k === label);
      return total;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < outputs; k++) max = Math.max(max, raw[base + k]!);
    for (let k = 0; k < outputs; k++) total += Math.exp(raw[base + k]! - max);
    return max + Math.log(total) - raw[base + label]!;
  }

  /** The sum of rows [from, to)'s loss terms (`rowLoss`). */
  function lossSum(
    loss: number,
    raw: Float64Array,
    target: Float64Array,
    outputs: number,
    from: number,
    to: number,
  ): number {
    let total = 0;
    if (loss === LOSS.MultiClass && outputs === 3) {
      // `rowLoss` written out for three classes (the credit-score case), the same doubles.
      for (let row = from; row < to; row++) {
        const base = row * 3;
        const a0 = raw[base]!;
        const a1 = raw[base + 1]!;
        const a2 = raw[base + 2]!;
        const max = Math.max(Math.max(Math.max(Number.NEGATIVE_INFINITY, a0), a1), a2);
        const sum = Math.exp(a0 - max) + Math.exp(a1 - max) + Math.exp(a2 - max);
        total += max + Math.log(sum) - raw[base + target[row]!]!;
      }
      return total;
    }
    for (let row = from; row < to; row++) total += rowLoss(loss, raw, target, outputs, row);
    return total;
  }

  /**
   * `derivatives` of MultiClass for three classes (the credit-score case), written out: ~30 %
   * faster than the loop over the classes, the same doubles. The Hessian is the upper triangle
   * of diag(p) − p·pᵀ, row-major.
   */
  function softmax3Derivatives(
    raw: Float64Array,
    target: Float64Array,
    gradient: Float64Array,
    hessian: Float64Array,
    from: number,
    to: number,
  ): number {
    let total = 0;
    for (let row = from; row < to; row++) {
      const label = target[row]!;
      const base = row * 3;
      const a0 = raw[base]!;
      const a1 = raw[base + 1]!;
      const a2 = raw[base + 2]!;
      const max = Math.max(Math.max(Math.max(Number.NEGATIVE_INFINITY, a0), a1), a2);
      const e0 = Math.exp(a0 - max);
      const e1 = Math.exp(a1 - max);
      const e2 = Math.exp(a2 - max);
      const sum = e0 + e1 + e2;
      const p0 = e0 / sum;
      const p1 = e1 / sum;
      const p2 = e2 / sum;
      const entry = row * 6;
      hessian[entry] = p0 - p0 * p0;
      hessian[entry + 1] = -p0 * p1;
      hessian[entry + 2] = -p0 * p2;
      hessian[entry + 3] = p1 - p1 * p1;
      hessian[entry + 4] = -p1 * p2;
      hessian[entry + 5] = p2 - p2 * p2;
      gradient[base] = p0 - (label === 0 ? 1 : 0);
      gradient[base + 1] = p1 - (label === 1 ? 1 : 0);
      gradient[base + 2] = p2 - (label === 2 ? 1 : 0);
      total += max + Math.log(sum) - raw[base + label]!;
    }
    return total;
  }

  /**
   * First and second derivatives of the loss (a LOSS code) for rows [from, to) and every output,
   * and the sum of the rows' loss values: squared error (RMSE), Logloss
   * `y·softplus(−a) + (1−y)·softplus(a)`, MultiClassOneVsAll that per class, MultiClass
   * `logsumexp(a) − a_y`. `target` holds class indices (classification) or values (RMSE).
   */
  function derivatives(
    loss: number,
    raw: Float64Array,
    target: Float64Array,
    outputs: number,
    gradient: Float64Array,
    hessian: Float64Array,
    from: number,
    to: number,
  ): number {
    if (loss === LOSS.MultiClass && outputs === 3)
      return softmax3Derivatives(raw, target, gradient, hessian, from, to);
    let total = 0;
    if (loss === LOSS.RMSE) {
      for (let row = from; row < to; row++) {
        const error = raw[row]! - target[row]!;
        gradient[row] = error;
        hessian[row] = 1;
        total += error * error;
      }
      return total;
    }
    if (loss === LOSS.Logloss) {
      for (let row = from; row < to; row++) {
        const a = raw[row]!;
        const p = sigmoid(a);
        gradient[row] = p - target[row]!;
        hessian[row] = Math.max(p * (1 - p), 1e-16);
        total += logisticLoss(a, target[row] === 1);
      }
      return total;
    }
    for (let row = from; row < to; row++) {
      const label = target[row]!;
      const base = row * outputs;
      if (loss === LOSS.MultiClassOneVsAll) {
        for (let k = 0; k < outputs; k++) {
          const a = raw[base + k]!;
          const p = sigmoid(a);
          gradient[base + k] = p - (k === label ? 1 : 0);
          hessian[base + k] = Math.max(p * (1 - p), 1e-16);
          total += logisticLoss(a, k === label);
        }
        continue;
      }
      // Softmax: the exponentials, then the probabilities, held in `gradient` until the Hessian
      // (upper triangle of diag(p) − p·pᵀ) is written.
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < outputs; k++) max = Math.max(max, raw[base + k]!);
      let sum = 0;
      for (let k = 0; k < outputs; k++) {
        const e = Math.exp(raw[base + k]! - max);
        gradient[base + k] = e;
        sum += e;
      }
      for (let k = 0; k < outputs; k++) gradient[base + k] = gradient[base + k]! / sum;
      let entry = row * hessianSize(LOSS.MultiClass, outputs);
      for (let a = 0; a < outputs; a++) {
        const pa = gradient[base + a]!;
        hessian[entry++] = pa - pa * pa;
        for (let b = a + 1; b < outputs; b++) hessian[entry++] = -pa * gradient[base + b]!;
      }
      for (let k = 0; k < outputs; k++) gradient[base + k] = gradient[base + k]! - (k === label ? 1 : 0);
      total += max + Math.log(sum) - raw[base + label]!;
    }
    return total;
  }

  /**
   * The weigh job on blocks [first, end): the tree's bootstrap weights, drawn per row from the
   * state the row's draw has in the main thread's random stream (one draw per row, in row order,
   * from `CONTROL.BOOTSTRAP_STATE`), the gradients weighted by them, g·w, and per block Σ w and
   * Σ g² — the score noise's scale is the RMS of the gradients before the bootstrap (CatBoost's
   * CalcDerivativesStDevFromZeroPlainBoosting reads the fold's derivatives, not the bootstrapped
   * ones the scores use). Returns how many of the rows have weight ≠ 0.
   */
  function weighBlocks(shared: SearchShared, first: number, end: number): number {
    const { rows, outputs, bootstrap, gradient, weighted, blockSums, bootstrapType } = shared;
    const { baggingTemperature, subsample } = shared;
    const blockSize = blockRows(shared.depth);
    const before = shared.control[CONTROL.BOOTSTRAP_STATE]! >>> 0;
    let nonZero = 0;
    for (let block = first; block < end; block++) {
      let weightSum = 0;
      let squared = 0;
      const last = Math.min(rows, (block + 1) * blockSize);
      let state = mulberry32Skip(before, block * blockSize);
      for (let row = block * blockSize; row < last; row++) {
        let weight = 1;
        if (bootstrapType !== BOOTSTRAP.No) {
          state = mulberry32Skip(state, 1);
          const uniform = mulberry32Draw(state);
          if (bootstrapType === BOOTSTRAP.Bernoulli) weight = Number(uniform < subsample);
          else {
            weight = -Math.log(uniform + 1e-100);
            if (baggingTemperature !== 1) weight **= baggingTemperature;
          }
        }
        bootstrap[row] = weight;
        if (weight !== 0) nonZero++;
        weightSum += weight;
        for (let k = 0; k < outputs; k++) {
          const g = gradient[row * outputs + k]!;
          weighted[row * outputs + k] = g * weight;
          squared += g * g;
        }
      }
      blockSums[block * 2] = weightSum;
      blockSums[block * 2 + 1] = squared;
    }
    return nonZero;
  }

  /** The tree job's sums on blocks [first, end): per block, rows and Σ gradient, Σ hessian per leaf. */
  function sumLeafBlocks(
    shared: SearchShared,
    leafRows: Uint32Array,
    leafCount: number,
    first: number,
    end: number,
  ): void {
    const { rows, outputs, gradient, hessian, hessianSize, blockLeaves } = shared;
    const blockSize = blockRows(shared.depth);
    const size = leafCount * (1 + outputs + hessianSize);
    for (let block = first; block < end; block++) {
      const counts = block * size;
      const sumsG = counts + leafCount;
      const sumsH = sumsG + leafCount * outputs;
      blockLeaves.fill(0, counts, counts + size);
      const last = Math.min(rows, (block + 1) * blockSize);
      for (let row = block * blockSize; row < last; row++) {
        const leaf = leafRows[row]!;
        blockLeaves[counts + leaf] = blockLeaves[counts + leaf]! + 1;
        for (let k = 0; k < outputs; k++) {
          const at = sumsG + leaf * outputs + k;
          blockLeaves[at] = blockLeaves[at]! + gradient[row * outputs + k]!;
        }
        for (let entry = 0; entry < hessianSize; entry++) {
          const at = sumsH + leaf * hessianSize + entry;
          blockLeaves[at] = blockLeaves[at]! + hessian[row * hessianSize + entry]!;
        }
      }
    }
  }

  /**
   * The tree job's first part for thread `thread` of a team of `team`: the leaves of its learn rows
   * on the averaging fold (when `CONTROL.AVERAGING_FOLD` ≥ 0) and of its eval rows, from the
   * tree's splits.
   */
  function treeLeaves(shared: SearchShared, team: number, thread: number, wasm: WasmPass | undefined): void {
    const { control, features, treeSplits } = shared;
    const levels = control[CONTROL.TREE_LEVELS]!;
    const averaging = control[CONTROL.AVERAGING_FOLD]!;
    const apply = (
      leafOf: Uint32Array,
      from: number,
      to: number,
      valuesOf: (feature: SearchFeature) => Bins | Uint32Array,
    ) => {
      leafOf.fill(0, from, to);
      for (let level = 0; level < levels; level++) {
        const feature = features[treeSplits[level * 2]!] as SearchFeature;
        split(wasm, feature, valuesOf(feature), treeSplits[level * 2 + 1]!, leafOf, level, from, to);
      }
    };
    if (averaging >= 0) {
      const [from, to] = rowRange(shared.rows, blockRows(shared.depth), team, thread);
      apply(shared.averagingLeafOf, from, to, (feature) =>
        feature.kind === 2 ? feature.sparseRows : (feature.bins[averaging] ?? (feature.bins[0] as Bins)),
      );
    }
    const [evalFrom, evalTo] = rowRange(
      shared.evalRows,
      blockRows(shared.depth),
      team,
      evalThread(team, thread),
    );
    apply(shared.evalLeafOf, evalFrom, evalTo, (feature) => feature.evalValues);
  }

  /**
   * The update job on blocks [first, end): raw += the leaf's values (if `addLeaves`, and then for
   * the eval blocks of thread `thread` of a team of `team` too, with per eval block their loss
   * sum when `CONTROL.EVAL_LOSS` is set), then the derivatives and per block the loss sum. The
   * MultiClass loss of three classes runs in WebAssembly when there is `wasm`.
   */
  function updateBlocks(
    shared: SearchShared,
    team: number,
    thread: number,
    wasm: WasmPass | undefined,
    loss: number,
    leafRows: Uint32Array,
    addLeaves: boolean,
    first: number,
    end: number,
  ): void {
    const { rows, outputs, raw, target, gradient, hessian, leafValues, blockLoss } = shared;
    const softmax3 = wasm && loss === LOSS.MultiClass && outputs === 3 ? wasm : undefined;
    const blockSize = blockRows(shared.depth);
    if (addLeaves) {
      const { evalRows, evalLeafOf, evalRaw } = shared;
      const evalLoss = shared.control[CONTROL.EVAL_LOSS] === 1;
      const [firstEval, endEval] = blockRange(evalRows, blockSize, team, evalThread(team, thread));
      for (let block = firstEval; block < endEval; block++) {
        const from = block * blockSize;
        const last = Math.min(evalRows, from + blockSize);
        if (wasm)
          wasm.addLeaves(
            evalRaw.byteOffset,
            evalLeafOf.byteOffset,
            leafValues.byteOffset,
            outputs,
            from,
            last,
          );
        else
          for (let row = from; row < last; row++) {
            const base = evalLeafOf[row]! * outputs;
            for (let k = 0; k < outputs; k++)
              evalRaw[row * outputs + k] = evalRaw[row * outputs + k]! + leafValues[base + k]!;
          }
        if (evalLoss)
          shared.blockEvalLoss[block] = softmax3
            ? softmax3.softmax3Loss(evalRaw.byteOffset, shared.evalTarget.byteOffset, from, last)
            : lossSum(loss, evalRaw, shared.evalTarget, outputs, from, last);
      }
    }
    for (let block = first; block < end; block++) {
      const from = block * blockSize;
      const last = Math.min(rows, from + blockSize);
      if (addLeaves && wasm)
        wasm.addLeaves(raw.byteOffset, leafRows.byteOffset, leafValues.byteOffset, outputs, from, last);
      else if (addLeaves)
        for (let row = from; row < last; row++) {
          const base = leafRows[row]! * outputs;
          for (let k = 0; k < outputs; k++)
            raw[row * outputs + k] = raw[row * outputs + k]! + leafValues[base + k]!;
        }
      blockLoss[block] = softmax3
        ? softmax3.softmax3(
            raw.byteOffset,
            target.byteOffset,
            gradient.byteOffset,
            hessian.byteOffset,
            from,
            last,
          )
        : derivatives(loss, raw, target, outputs, gradient, hessian, from, last);
    }
  }

  /** `listRows`'s per-block scratch (each thread runs its own copy of the kernel). */
  let blockScratch = new Uint32Array(0);

  /**
   * Which rows a level lists, as [bit, mask, wanted]: those whose `(leaf >>> bit) & mask` is
   * `wanted`, bit level − 1 (the last split's side) 1 for `smallIsHigh`, else 0; at level 0 every
   * row (a mask of 0, against 0).
   */
  const listedSide = (level: number, smallIsHigh: boolean): [number, number, number] => [
    Math.max(0, level - 1),
    level > 0 ? 1 : 0,
    level > 0 && smallIsHigh ? 1 : 0,
  ];

  /**
   * Lists the rows of blocks [first, end) (`blockRows(depth)` rows each) that a level sums —
   * weight ≠ 0 and, below level 0, on the smaller side of the last split (bit level − 1 of the
   * leaf set iff `smallIsHigh`) — at `at` onwards in row order: the row, its leaf, and its weight
   * then weighted gradients at `at × (outputs + 1)`. Per block it also sums those values per leaf
   * into `list.blockTotals` (`maxLeaves × (outputs + 1)` values per block: the level's totals
   * are their sums in block order, the same whichever thread lists a block). Returns where the
   * next row would go.
   */
  function listRows(
    list: LevelList,
    outputs: number,
    leafOf: Uint32Array,
    bootstrap: Float64Array,
    weighted: Float64Array,
    depth: number,
    first: number,
    end: number,
    at: number,
    level: number,
    smallIsHigh: boolean,
  ): number {
    const stride = outputs + 1;
    const blockSize = blockRows(depth);
    const blockTotalsSize = maxLeaves(depth) * stride;
    const { rows, leafOfRow, packed, blockTotals } = list;
    const rowCount = leafOf.length;
    const [sideBit, sideMask, wanted] = listedSide(level, smallIsHigh);
    if (blockScratch.length < blockSize) blockScratch = new Uint32Array(blockSize);
    const scratch = blockScratch;
    let next = at;
    for (let block = first; block < end; block++) {
      const totals = block * blockTotalsSize;
      blockTotals.fill(0, totals, totals + (1 << level) * stride);
      const last = Math.min(rowCount, (block + 1) * blockSize);
      // First the block's listed rows, into this thread's scratch and without branches (which
      // side a row is on is as good as random): every row is written, the count only moves past
      // the listed ones. ~15 % faster than a test per row.
      let listed = 0;
      for (let row = block * blockSize; row < last; row++) {
        scratch[listed] = row;
        const onSide = ((leafOf[row]! >>> sideBit) & sideMask) === wanted ? 1 : 0;
        listed += onSide & (bootstrap[row] !== 0 ? 1 : 0);
      }
      // Then each one's row, leaf, weight and gradients, in row order.
      for (let slot = 0; slot < listed; slot++, next++) {
        const row = scratch[slot]!;
        const leaf = leafOf[row]!;
        const weight = bootstrap[row]!;
        rows[next] = row;
        leafOfRow[next] = leaf;
        const cell = totals + leaf * stride;
        packed[next * stride] = weight;
        blockTotals[cell] = blockTotals[cell]! + weight;
        for (let k = 0; k < outputs; k++) {
          const value = weighted[row * outputs + k]!;
          packed[next * stride + 1 + k] = value;
          blockTotals[cell + 1 + k] = blockTotals[cell + 1 + k]! + value;
        }
      }
    }
    return next;
  }

  /**
   * Sets bit `level` of `leafOf` for rows [from, to) that go right on split `bin` of a feature of
   * kind `kind` given by `values`: dense, its bins (right: bin > `bin`); one-hot, its value ids
   * (right: value == `bin`); sparse, the ascending rows where it is present (right: present).
   * Returns how many rows go right.
   */
  function splitRows(
    kind: SearchFeatureKind,
    values: Bins | Uint32Array,
    bin: number,
    leafOf: Uint32Array,
    level: number,
    from: number,
    to: number,
  ): number {
    const bit = 1 << level;
    let right = 0;
    if (kind === 2) {
      // The first listed row ≥ from.
      let low = 0;
      let high = values.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (values[middle]! < from) low = middle + 1;
        else high = middle;
      }
      for (let at = low; at < values.length && values[at]! < to; at++, right++)
        leafOf[values[at]!] = leafOf[values[at]!]! | bit;
    } else if (kind === 1) {
      for (let row = from; row < to; row++)
        if (values[row] === bin) {
          leafOf[row] = leafOf[row]! | bit;
          right++;
        }
    }
    // Branch-free: (border − bin) is negative, its sign bit set, exactly when bin > border.
    else
      for (let row = from; row < to; row++) {
        const side = (bin - values[row]!) >>> 31;
        leafOf[row] = leafOf[row]! | (side << level);
        right += side;
      }
    return right;
  }

  /**
   * `splitRows` for `feature`, with the wasm `split` where it has one (a dense feature's bins on
   * its memory, and `leafOf` there too).
   */
  function split(
    wasm: WasmPass | undefined,
    feature: SearchFeature,
    values: Bins | Uint32Array,
    bin: number,
    leafOf: Uint32Array,
    level: number,
    from: number,
    to: number,
  ): number {
    return wasm && feature.kind === 0 && feature.binsOnWasm
      ? wasm.split(values.byteOffset, leafOf.byteOffset, from, to, bin, level)
      : splitRows(feature.kind, values, bin, leafOf, level, from, to);
  }

  /**
   * Rows [from, to) with weight ≠ 0 that have bit `level` of their leaf set, and that do not.
   * Branch-free: which side a row is on is as good as random.
   */
  function countSides(
    leafOf: Uint32Array,
    bootstrap: Float64Array,
    level: number,
    from: number,
    to: number,
  ): [number, number] {
    let right = 0;
    let weighted = 0;
    for (let row = from; row < to; row++) {
      const counts = bootstrap[row] !== 0 ? 1 : 0;
      right += (leafOf[row]! >>> level) & counts;
      weighted += counts;
    }
    return [right, weighted - right];
  }

  /**
   * Zeroes the smaller side's cells of a level histogram (`subtractFromParent`'s layout): in each
   * of `blocks` blocks (one per bin) of two halves of `halfSize` values, the second half when
   * `smallIsHigh` (the leaves with the last split's bit set), else the first.
   */
  function zeroSide(histogram: Float64Array, blocks: number, halfSize: number, smallIsHigh: boolean): void {
    for (let small = smallIsHigh ? halfSize : 0; small < blocks * 2 * halfSize; small += 2 * halfSize)
      for (let at = small; at < small + halfSize; at++) histogram[at] = 0;
  }

  /**
   * Completes a level histogram whose smaller-side cells are summed: for each of `blocks` blocks
   * of `leaves × stride` values (one per bin), the larger side's half = the parent's block (half
   * as many leaves) minus the smaller side's half.
   */
  function subtractFromParent(
    histogram: Float64Array,
    parent: Float64Array,
    blocks: number,
    stride: number,
    leaves: number,
    smallIsHigh: boolean,
  ): void {
    const halfSize = (leaves >> 1) * stride;
    const smallOffset = smallIsHigh ? halfSize : 0;
    const largeOffset = smallIsHigh ? 0 : halfSize;
    for (let block = 0; block < blocks; block++) {
      const small = block * 2 * halfSize + smallOffset;
      const large = block * 2 * halfSize + largeOffset;
      const from = block * halfSize;
      for (let at = 0; at < halfSize; at++)
        histogram[large + at] = parent[from + at]! - histogram[small + at]!;
    }
  }

  const isShared = (values: Float64Array): boolean =>
    typeof SharedArrayBuffer !== "undefined" && values.buffer instanceof SharedArrayBuffer;

  /** Keeps one Float64Array per key for the next level, grown as needed, stamped with its level. */
  class KeptHistograms {
    private readonly values: (Float64Array | undefined)[];
    private readonly stamps: Float64Array;

    /** `store`: given stores (shared between threads, large enough), else grown here. */
    constructor(count: number, store?: { values: Float64Array[]; stamps: Float64Array }) {
      this.values = store ? store.values : new Array<Float64Array | undefined>(count);
      this.stamps = store ? store.stamps : new Float64Array(count).fill(-1);
    }

    /** The histogram kept for `key` at `stamp`, if any. */
    at(key: number, stamp: number): Float64Array | undefined {
      return this.stamps[key] === stamp ? this.values[key] : undefined;
    }

    keep(key: number, stamp: number, histogram: Float64Array, size: number): void {
      let store = this.values[key];
      if (!store || store.length < size) {
        if (store && isShared(store))
          throw new Error(`kept histogram ${key} needs ${size} values, has ${store.length}`);
        store = new Float64Array(size);
        this.values[key] = store;
      }
      store.set(histogram.subarray(0, size));
      this.stamps[key] = stamp;
    }
  }

  /**
   * Adds a row's weight and three weighted gradients to the (bin, leaf) cell at `cell` of a
   * stride-4 histogram (three outputs, the credit-score case): small enough for V8 to inline into
   * the histogram loops, which are written out for three outputs (~20 % faster than a loop over
   * the outputs).
   */
  const addCell = (
    histogram: Float64Array,
    cell: number,
    w: number,
    g0: number,
    g1: number,
    g2: number,
  ): void => {
    histogram[cell] = histogram[cell]! + w;
    histogram[cell + 1] = histogram[cell + 1]! + g0;
    histogram[cell + 2] = histogram[cell + 2]! + g1;
    histogram[cell + 3] = histogram[cell + 3]! + g2;
  };

  /** A wasm function of the module (histogram-wasm.ts): i32 arguments, maybe a result. */
  type WasmCall = (...args: number[]) => number;

  /** A thread's histogram work in WebAssembly: the module's functions, and its scratch. */
  interface WasmPass {
    /** `s<stride>n<features>` at [stride === 4 ? 4 : 0] + features − 1. */
    passes: WasmCall[];
    /** `a<stride>n<features>`, the pass over every learn row in one leaf, likewise. */
    allRowsPasses: WasmCall[];
    /** `list2`, `list4`. */
    lists: WasmCall[];
    subtract: WasmCall;
    zeroSide: WasmCall;
    /** `score1`, `score3`: at [outputs === 3 ? 1 : 0]. */
    scores: WasmCall[];
    split: WasmCall;
    leafSums: WasmCall;
    marginals: WasmCall;
    /** `softmax3`, `softmax3Loss`, `addLeaves` (loss-wasm.ts), `weigh` (bootstrap-wasm.ts). */
    softmax3: WasmCall;
    softmax3Loss: WasmCall;
    addLeaves: WasmCall;
    weigh: WasmCall;
    scratch: Float64Array[];
    listScratchAt: number;
    /** The thread's scratch for `score` (`scoreScratch`). */
    scoreAt: number;
    memory: WebAssembly.Memory;
  }

  /** Thread `thread`'s {@link WasmPass}: an instance of the module on the fit's memory. */
  function wasmPass(setup: WasmPassSetup, thread: number): WasmPass {
    const { exports } = new WebAssembly.Instance(setup.module, { env: { memory: setup.memory } });
    const passes = (prefix: string) =>
      [2, 4].flatMap((stride) =>
        [1, 2, 3, 4].map((features) => exports[`${prefix}${stride}n${features}`] as WasmCall),
      );
    const scratch = Array.from(
      { length: HistogramBuilder.SLOTS },
      (_, slot) =>
        new Float64Array(
          setup.memory.buffer,
          setup.scratchAt[thread]! + slot * setup.scratchLength * 8,
          setup.scratchLength,
        ),
    );
    return {
      passes: passes("s"),
      allRowsPasses: passes("a"),
      lists: [exports.list2 as WasmCall, exports.list4 as WasmCall],
      subtract: exports.subtract as WasmCall,
      zeroSide: exports.zeroSide as WasmCall,
      scores: [exports.score1 as WasmCall, exports.score3 as WasmCall],
      split: exports.split as WasmCall,
      leafSums: exports.leafSums as WasmCall,
      marginals: exports.marginals as WasmCall,
      softmax3: exports.softmax3 as WasmCall,
      softmax3Loss: exports.softmax3Loss as WasmCall,
      addLeaves: exports.addLeaves as WasmCall,
      weigh: exports.weigh as WasmCall,
      scratch,
      listScratchAt: setup.listScratchAt[thread]!,
      scoreAt: setup.scoreAt[thread]!,
      memory: setup.memory,
    };
  }

  /**
   * Byte offsets in a thread's scratch for the wasm `score` (histogram-wasm.ts) of a fit of depth
   * `depth`: per leaf of the deepest level, the part's weight and gradients, the terms, the cell
   * sums (f64); the result (f64 score, i32 bin); per leaf, the touched list and flags (u32).
   */
  function scoreScratch(depth: number, outputs: number) {
    const leaves = maxLeaves(depth);
    const partDelta = leaves * 8;
    const termNumerator = partDelta + leaves * outputs * 8;
    const termDenominator = termNumerator + leaves * 8;
    const cellSums = termDenominator + leaves * 8;
    const result = cellSums + leaves * (outputs + 1) * 8;
    const touched = result + 16;
    const flags = touched + leaves * 4;
    return {
      partWeight: 0,
      partDelta,
      termNumerator,
      termDenominator,
      cellSums,
      result,
      touched,
      flags,
      bytes: flags + leaves * 4,
    };
  }

  /**
   * A dense feature's best split score and bin at a level by the wasm `score`: from its level
   * histogram (on the wasm memory), or from its rows grouped by bin; `draw`: where its noise
   * starts in `shared.noise` (on the wasm memory), −1 without noise.
   */
  function wasmScorer(wasm: WasmPass, shared: SearchShared) {
    const { outputs, totalWeight, totalDelta, bootstrap, weighted, leafOf, noise } = shared;
    const at = scoreScratch(shared.depth, outputs);
    const base = wasm.scoreAt;
    const result = new Float64Array(wasm.memory.buffer, base + at.result, 1);
    const resultBin = new Int32Array(wasm.memory.buffer, base + at.result + 8, 1);
    const score = wasm.scores[outputs === 3 ? 1 : 0]!;
    return (
      histogram: Float64Array,
      groups: BinGroups | undefined,
      binCount: number,
      leaves: number,
      draw: number,
      scaledL2: number,
      scale: number,
    ): [number, number] => {
      score(
        histogram.byteOffset,
        groups ? groups.rows.byteOffset : 0,
        groups ? groups.start.byteOffset : 0,
        binCount,
        leaves,
        totalWeight.byteOffset,
        totalDelta.byteOffset,
        base + at.partWeight,
        base + at.partDelta,
        base + at.termNumerator,
        base + at.termDenominator,
        base + at.cellSums,
        base + at.touched,
        base + at.flags,
        base + at.result,
        draw >= 0 ? noise.byteOffset + draw * 8 : 0,
        draw >= 0 ? 1 : 0,
        bootstrap.byteOffset,
        weighted.byteOffset,
        leafOf.byteOffset,
        scaledL2,
        scale,
      );
      return [result[0]!, resultBin[0]!];
    };
  }

  /**
   * Per-(bin, leaf) histograms of the dense features — Σ bootstrap weight, then Σ weighted gradient
   * per output, at `((bin × leaves) + leaf) × stride` — by subtraction from the level above where
   * the feature's histogram of that level was kept, else from all rows.
   */
  class HistogramBuilder {
    /** Histogram columns per pass over the listed rows: features, or groups' joint histograms. */
    static readonly BATCH = 4;
    /**
     * Scratch histograms per thread: a batch's features (up to two per column: `planBatches`),
     * then its groups' joint histograms (one per column).
     */
    static readonly SLOTS = 3 * HistogramBuilder.BATCH;
    private readonly outputs: number;
    private readonly level: LevelView;
    private readonly kept: KeptHistograms;
    private readonly wasm: WasmPass | undefined;
    private readonly scratch: Float64Array[] = [];
    private readonly jointScratch: Float64Array[] = [];
    /** Per slot of a pass, the feature's histogram of the level above, when kept. */
    private readonly parents: (Float64Array | undefined)[] = [];
    /** Per slot: whether it is the first of a group summed in one joint histogram. */
    private readonly joined: boolean[] = [];
    /** What a pass of fewer than four features adds the rest to (`addRows4`). */
    private standInBins = new Uint8Array(0);
    private standInHistogram = new Float64Array(0);

    /**
     * Passes summed by the WebAssembly module, those of them over all rows, and the groups summed
     * jointly (for tests).
     */
    wasmPasses = 0;
    allRowsPasses = 0;
    jointGroups = 0;

    /**
     * `kept`: the stores to keep histograms in (shared between threads), else its own. `wasm`: the
     * histogram work in WebAssembly, used when the stride is 2 or 4 (the pass for the features
     * whose bins are on its memory); `level`'s rows and `kept`'s stores must be on its memory
     * too, and its scratch histograms are this builder's.
     */
    constructor(
      outputs: number,
      featureCount: number,
      level: LevelView,
      kept?: KeptHistograms,
      wasm?: WasmPass,
    ) {
      if (wasm && !kept) throw new Error("a HistogramBuilder with wasm needs kept stores on its memory");
      this.outputs = outputs;
      this.level = level;
      this.kept = kept ?? new KeptHistograms(featureCount);
      this.wasm = wasm;
      const { BATCH, SLOTS } = HistogramBuilder;
      for (let slot = 0; slot < SLOTS; slot++)
        (slot < 2 * BATCH ? this.scratch : this.jointScratch).push(
          wasm ? wasm.scratch[slot]! : new Float64Array(0),
        );
    }

    /**
     * The histograms of the first `count` (≤ 2 × BATCH) of `requests` at the current level, summed
     * in passes over the listed rows of up to BATCH columns each — the rows and their packed sums
     * are read once for all of them, ~1.5× faster than a pass per feature — each in a scratch
     * buffer valid until the next call (slot i for request i); a request's `keep` keeps its
     * histogram for the next level's subtraction. Each cell gets its rows in row order either way,
     * so the doubles do not depend on the batch.
     *
     * A request with a `jointSize` and the next ones, a group, are one column with WebAssembly at
     * level 0 or where all of their histograms of the level above are kept: the pass sums the
     * listed rows into their joint histogram (one cell updated per row instead of one per
     * feature), whose cells the group's histograms then add up (`marginals`, which zeroes them
     * again). Their doubles can differ from a pass per feature in the last bits (the same rows,
     * added in another order), the same on any thread.
     */
    build(
      requests: readonly HistogramRequest[],
      count: number,
      leafOf: Uint32Array,
      bootstrap: Float64Array,
      weighted: Float64Array,
    ): readonly Float64Array[] {
      const { level, scratch } = this;
      const parents = this.parents;
      const joined = this.joined;
      const stride = this.outputs + 1;
      const wasm = stride === 2 || stride === 4 ? this.wasm : undefined;
      const halfSize = (level.leaves >> 1) * stride;
      for (let slot = 0; slot < count; slot++) {
        const { feature, binCount } = requests[slot]!;
        const histogram = this.scratchFor(scratch, slot, level.leaves * binCount * stride);
        const parent = level.level > 0 ? this.kept.at(feature, level.stamp - 1) : undefined;
        parents[slot] = parent;
        // With the level above kept, only the listed side's cells are summed from zero: the
        // subtraction writes the other side's (half of the zeroing: ~28 MB per tree at 100 k rows).
        this.zero(histogram, binCount, parent !== undefined);
      }
      // The groups summed jointly, each in a joint scratch histogram: all zero, as `marginals`
      // leaves it (and the wasm memory starts).
      let joints = 0;
      for (let slot = 0; slot < count; slot++) {
        const request = requests[slot]!;
        const { jointSize } = request;
        joined[slot] = jointSize > 0 && wasm !== undefined;
        for (let member = 0; member < jointSize && level.level > 0; member++)
          if (!parents[slot + member]) joined[slot] = false;
        if (!joined[slot]) continue;
        this.scratchFor(this.jointScratch, joints++, level.leaves * jointCount(request) * stride);
        for (let member = 1; member < jointSize; member++) joined[++slot] = false;
      }
      let slot = 0;
      if (wasm) {
        // The features whose bins are on the wasm memory in passes there, any others alone.
        this.addRowsWasm(requests, count);
        for (; slot < count; slot++)
          if (!requests[slot]!.onWasm) this.addRows(requests[slot]!.bins, scratch[slot]!, stride);
        joints = 0;
        for (slot = 0; slot < count; slot++)
          if (joined[slot]) {
            // The listed side of each block (all of it at level 0, one leaf).
            const [blockBytes, sideAt, sideBytes] =
              level.level === 0
                ? [stride * 8, 0, stride * 8]
                : [level.leaves * stride * 8, level.smallIsHigh ? halfSize * 8 : 0, halfSize * 8];
            const request = requests[slot]!;
            wasm.marginals(
              this.jointScratch[joints++]!.byteOffset,
              request.jointCombos.byteOffset,
              jointCount(request),
              request.jointSize,
              scratch[slot]!.byteOffset,
              scratch[1]!.byteOffset - scratch[0]!.byteOffset,
              blockBytes,
              sideAt,
              sideBytes,
            );
            this.jointGroups++;
          }
      } else {
        if (stride === 4)
          for (; count - slot >= 2; slot += 4)
            this.addRows4(requests, scratch, slot, Math.min(4, count - slot));
        for (; slot < count; slot++) this.addRows(requests[slot]!.bins, scratch[slot]!, stride);
      }
      for (slot = 0; slot < count; slot++) {
        const { bins, binCount, keep, feature } = requests[slot]!;
        const histogram = scratch[slot]!;
        if (level.level > 0) {
          const parent = parents[slot];
          if (!parent) this.addOtherSide(histogram, bins, leafOf, bootstrap, weighted);
          else if (wasm) {
            const [small, large] = level.smallIsHigh ? [halfSize * 8, 0] : [0, halfSize * 8];
            wasm.subtract(histogram.byteOffset, parent.byteOffset, binCount, halfSize * 8, small, large);
          } else subtractFromParent(histogram, parent, binCount, stride, level.leaves, level.smallIsHigh);
        }
        if (keep) this.kept.keep(feature, level.stamp, histogram, level.leaves * binCount * stride);
      }
      return scratch;
    }

    /** Scratch slot `slot` of `slots`, at least `size` doubles (grown unless on the wasm memory). */
    private scratchFor(slots: Float64Array[], slot: number, size: number): Float64Array {
      if (slots[slot]!.length < size) {
        if (this.wasm) throw new Error(`histogram scratch has ${slots[slot]!.length} values, needs ${size}`);
        slots[slot] = new Float64Array(size);
      }
      return slots[slot]!;
    }

    /**
     * Zeroes a histogram of `blocks` bins at the current level: the listed side of each bin's
     * leaves (`sideOnly`: the other side comes from the level above), else all of it.
     */
    private zero(histogram: Float64Array, blocks: number, sideOnly: boolean): void {
      const { level, wasm } = this;
      const stride = this.outputs + 1;
      const halfSize = (level.leaves >> 1) * stride;
      if (!sideOnly) histogram.fill(0, 0, level.leaves * blocks * stride);
      else if (wasm && (stride === 2 || stride === 4))
        wasm.zeroSide(histogram.byteOffset, blocks, halfSize * 8, level.smallIsHigh ? halfSize * 8 : 0);
      else zeroSide(histogram, blocks, halfSize, level.smallIsHigh);
    }

    /**
     * Adds the listed rows to the cells of those of the first `count` requests that are `onWasm`
     * — a group summed jointly to its joint histogram — in calls of the WebAssembly pass (stride 2
     * or 4) of up to four columns: every array on its memory, given by its byte offset.
     */
    private addRowsWasm(requests: readonly HistogramRequest[], count: number): void {
      const { scratch } = this;
      const joined = this.joined;
      // The columns' bins and histograms (byte offsets).
      const bins: number[] = [];
      const histograms: number[] = [];
      let joints = 0;
      for (let slot = 0; slot < count; slot++) {
        const request = requests[slot]!;
        if (joined[slot]) {
          bins.push(request.jointBins.byteOffset);
          histograms.push(this.jointScratch[joints++]!.byteOffset);
          slot += request.jointSize - 1;
        } else if (request.onWasm) {
          bins.push(request.bins.byteOffset);
          histograms.push(scratch[slot]!.byteOffset);
        }
      }
      for (let first = 0; first < bins.length; first += 4)
        this.passWasm(bins.slice(first, first + 4), histograms.slice(first, first + 4));
    }

    /** One call of the WebAssembly pass over the listed rows for 1 to 4 columns. */
    private passWasm(bins: number[], histograms: number[]): void {
      const { rows, leafOfRow, packed, count: rowCount, leaves } = this.level;
      const used = bins.length;
      while (bins.length < 4) {
        bins.push(0);
        histograms.push(0);
      }
      // Every learn row listed (the list has room for all of them) in one leaf — level 0 without
      // bootstrap weights 0: rows[at] = at, leaf 0.
      const allRows = leaves === 1 && rowCount === rows.length;
      const passes = allRows ? this.wasm!.allRowsPasses : this.wasm!.passes;
      const pass = passes[(this.outputs === 3 ? 4 : 0) + used - 1]!;
      pass(
        rowCount,
        leaves,
        rows.byteOffset,
        leafOfRow.byteOffset,
        packed.byteOffset,
        ...bins,
        ...histograms,
      );
      this.wasmPasses++;
      if (allRows) this.allRowsPasses++;
    }

    /** Adds the listed rows to one feature's cells, any stride. */
    private addRows(bins: Bins, histogram: Float64Array, stride: number): void {
      const { rows, leafOfRow, packed, count, leaves } = this.level;
      if (stride === 4) {
        // Three outputs (the multiclass losses on three classes) written out: ~20 % faster.
        for (let at = 0; at < count; at++) {
          const from = at * 4;
          addCell(
            histogram,
            (bins[rows[at]!]! * leaves + leafOfRow[at]!) * 4,
            packed[from]!,
            packed[from + 1]!,
            packed[from + 2]!,
            packed[from + 3]!,
          );
        }
        return;
      }
      for (let at = 0; at < count; at++) {
        const cell = (bins[rows[at]!]! * leaves + leafOfRow[at]!) * stride;
        for (let k = 0; k < stride; k++)
          histogram[cell + k] = histogram[cell + k]! + packed[at * stride + k]!;
      }
    }

    /**
     * Adds the listed rows to the cells of `used` (2 to 4) features, requests `first` …, stride
     * 4. Fewer than four fill the pass with a stand-in: every row in bin 0 of a small histogram
     * nobody reads (cheaper than a pass of their own for the ones left over).
     */
    private addRows4(
      requests: readonly HistogramRequest[],
      scratch: Float64Array[],
      first: number,
      used: number,
    ): void {
      const { rows, leafOfRow, packed, count, leaves } = this.level;
      const binsLength = requests[first]!.bins.length;
      if (used < 4 && this.standInBins.length !== binsLength) this.standInBins = new Uint8Array(binsLength);
      if (used < 4 && this.standInHistogram.length < leaves * 4)
        this.standInHistogram = new Float64Array(leaves * 4);
      const bins = (slot: number): Bins => (slot < used ? requests[first + slot]!.bins : this.standInBins);
      const cells = (slot: number): Float64Array =>
        slot < used ? scratch[first + slot]! : this.standInHistogram;
      const b0 = bins(0);
      const b1 = bins(1);
      const b2 = bins(2);
      const b3 = bins(3);
      const h0 = cells(0);
      const h1 = cells(1);
      const h2 = cells(2);
      const h3 = cells(3);
      for (let at = 0; at < count; at++) {
        const row = rows[at]!;
        const leaf = leafOfRow[at]!;
        const from = at * 4;
        const w = packed[from]!;
        const g0 = packed[from + 1]!;
        const g1 = packed[from + 2]!;
        const g2 = packed[from + 3]!;
        addCell(h0, (b0[row]! * leaves + leaf) * 4, w, g0, g1, g2);
        addCell(h1, (b1[row]! * leaves + leaf) * 4, w, g0, g1, g2);
        addCell(h2, (b2[row]! * leaves + leaf) * 4, w, g0, g1, g2);
        addCell(h3, (b3[row]! * leaves + leaf) * 4, w, g0, g1, g2);
      }
    }

    /** Adds the rows on the larger side of the last split (weight ≠ 0), from the full arrays. */
    private addOtherSide(
      histogram: Float64Array,
      bins: Bins,
      leafOf: Uint32Array,
      bootstrap: Float64Array,
      weighted: Float64Array,
    ): void {
      const { outputs, level } = this;
      const stride = outputs + 1;
      const { leaves, smallIsHigh } = level;
      const half = leaves >> 1;
      for (let row = 0; row < leafOf.length; row++) {
        const weight = bootstrap[row]!;
        const leaf = leafOf[row]!;
        if (weight === 0 || leaf >= half === smallIsHigh) continue;
        const cell = (bins[row]! * leaves + leaf) * stride;
        histogram[cell] = histogram[cell]! + weight;
        for (let k = 0; k < outputs; k++)
          histogram[cell + 1 + k] = histogram[cell + 1 + k]! + weighted[row * outputs + k]!;
      }
    }
  }

  /**
   * Thread `thread`'s part of the jobs: `run()` does the job `shared.control` describes. In the
   * split search it scores candidate features — CatBoost's Cosine score of every split on the
   * feature, plus its pre-drawn noise — and writes each one's best score (before the noise that
   * compares features) and bin. `sparse` (main thread only) has the sparse features' sums.
   */
  function threadJobs(shared: SearchShared, thread: number, sparse?: SparseSource) {
    const { outputs, rows, depth, features, control } = shared;
    const levelLeaves = maxLeaves(depth);
    const { leafOf, bootstrap, weighted, totalWeight, totalDelta, candidates, noiseAt, penalty } = shared;
    const stride = outputs + 1;
    const view: LevelView = {
      rows: shared.levelRows,
      leafOfRow: shared.levelLeafOfRow,
      packed: shared.levelPacked,
      count: 0,
      level: 0,
      leaves: 1,
      smallIsHigh: false,
      stamp: 0,
    };
    // The histogram work in WebAssembly, where the fit set it up and the stride is one it has.
    const wasm = shared.wasm && (stride === 2 || stride === 4) ? wasmPass(shared.wasm, thread) : undefined;
    const histograms = new HistogramBuilder(
      outputs,
      features.length,
      view,
      new KeptHistograms(features.length, shared.kept),
      wasm,
    );
    const scoreOnWasm = wasm ? wasmScorer(wasm, shared) : undefined;
    // The weigh job in WebAssembly but for a Bayesian bagging temperature other than 1 (`weight **= t`).
    const wasmWeighs =
      wasm && (shared.bootstrapType !== BOOTSTRAP.Bayesian || shared.baggingTemperature === 1)
        ? wasm
        : undefined;
    const emptyHistogram = new Float64Array(0);
    // A search batch: the histograms to build and the candidate of each.
    const requests: HistogramRequest[] = Array.from({ length: 2 * HistogramBuilder.BATCH }, () => ({
      feature: 0,
      bins: new Uint8Array(0),
      binCount: 0,
      keep: false,
      onWasm: false,
      jointSize: 0,
      jointBins: new Uint8Array(0),
      jointCombos: new Uint8Array(0),
    }));
    const requestCandidate = new Int32Array(2 * HistogramBuilder.BATCH);
    const partWeight = new Float64Array(levelLeaves);
    const partDelta = new Float64Array(levelLeaves * outputs);
    const termNumerator = new Float64Array(levelLeaves);
    const termDenominator = new Float64Array(levelLeaves);
    // The cosine score's running numerator and denominator over the leaves, and a scratch pair.
    const scoreSums = new Float64Array(2);
    const leafSums = new Float64Array(2);
    // Sparse cells: per-leaf sums of one bin, the leaves it touched, and a per-leaf stamp.
    const cellSums = new Float64Array(levelLeaves * stride);
    const touched = new Uint32Array(levelLeaves);
    const stamp = new Float64Array(levelLeaves);
    let stampValue = 0;
    let scaledL2 = 0;
    let noiseOn = false;
    // Whether every row of this thread has bootstrap weight ≠ 0 in the current tree (weigh job).
    let allWeighted = false;
    let draw = 0;
    const noise = (): number => (noiseOn ? shared.noise[draw++]! : 0);

    /**
     * Adds one leaf's terms of the cosine score — the leaf split into `part` and the rest — to the
     * running numerator and denominator in `sums[0]`, `sums[1]`. A side's average per output is
     * Σ g·w × 1 / (Σ w + λ), 0 when the side has no weight: CatBoost's CalcAverage, which divides
     * once per side, not once per output (online_predictor.h).
     */
    const addLeafTerms = (leaf: number, sums: Float64Array): void => {
      let numerator = sums[0]!;
      let denominator = sums[1]!;
      const w1 = partWeight[leaf]!;
      const w2 = totalWeight[leaf]! - w1;
      const inverse1 = w1 > 0 ? 1 / (w1 + scaledL2) : 0;
      const inverse2 = w2 > 0 ? 1 / (w2 + scaledL2) : 0;
      for (let k = 0; k < outputs; k++) {
        const d1 = partDelta[leaf * outputs + k]!;
        const d2 = totalDelta[leaf * outputs + k]! - d1;
        const average1 = d1 * inverse1;
        numerator += average1 * d1;
        denominator += average1 * average1 * w1;
        const average2 = d2 * inverse2;
        numerator += average2 * d2;
        denominator += average2 * average2 * w2;
      }
      sums[0] = numerator;
      sums[1] = denominator;
    };

    /** Cosine score of splitting every leaf into `part` and the rest (symmetric in the two). */
    const cosine = (leaves: number): number => {
      leafSums[0] = 0;
      leafSums[1] = 1e-100;
      for (let leaf = 0; leaf < leaves; leaf++) addLeafTerms(leaf, leafSums);
      return leafSums[0]! / Math.sqrt(leafSums[1]!);
    };

    /** One leaf's terms of the cosine score, into termNumerator[leaf] and termDenominator[leaf]. */
    const leafTerms = (leaf: number): void => {
      leafSums[0] = 0;
      leafSums[1] = 0;
      addLeafTerms(leaf, leafSums);
      termNumerator[leaf] = leafSums[0]!;
      termDenominator[leaf] = leafSums[1]!;
    };

    /** Moves one (leaf, bin) cell — Σ weight, then Σ g·w per output at `sums[at…]` — into the part. */
    const moveToPart = (leaf: number, sums: Float64Array, at: number): void => {
      partWeight[leaf] = partWeight[leaf]! + sums[at]!;
      for (let k = 0; k < outputs; k++)
        partDelta[leaf * outputs + k] = partDelta[leaf * outputs + k]! + sums[at + 1 + k]!;
      scoreSums[0] = scoreSums[0]! - termNumerator[leaf]!;
      scoreSums[1] = scoreSums[1]! - termDenominator[leaf]!;
      leafTerms(leaf);
      scoreSums[0] = scoreSums[0]! + termNumerator[leaf]!;
      scoreSums[1] = scoreSums[1]! + termDenominator[leaf]!;
    };

    /** Scores the sparse feature's one split (`present`) from the level's sparse sums. */
    const scoreSparse = (feature: SearchFeature, leaves: number): number => {
      if (!sparse) throw new Error(`sparse feature scored on worker thread ${thread}`);
      // Sums over the rows listed for the feature (where the token is present, or absent).
      const sums = sparse.values;
      const start = sparse.offset(feature.sparseOrdinal);
      for (let leaf = 0; leaf < leaves; leaf++) {
        const cell = start + leaf * stride;
        partWeight[leaf] = sums[cell]!;
        for (let k = 0; k < outputs; k++) partDelta[leaf * outputs + k] = sums[cell + 1 + k]!;
      }
      if (feature.sparseAbsent) {
        // The rows where the token is present = all rows of the leaf minus the absent ones.
        for (let leaf = 0; leaf < leaves; leaf++) partWeight[leaf] = totalWeight[leaf]! - partWeight[leaf]!;
        for (let at = 0; at < leaves * outputs; at++) partDelta[at] = totalDelta[at]! - partDelta[at]!;
      }
      return cosine(leaves) + noise();
    };

    /**
     * Scores feature `index` at the level — from `histogram` where it `usesHistogram` — and writes its
     * best score and bin (−1: none) for `candidate`.
     */
    const scoreFeature = (
      candidate: number,
      index: number,
      level: number,
      fold: number,
      histogram: Float64Array,
    ): void => {
      const feature = features[index] as SearchFeature;
      const leaves = 1 << level;
      let featureBestScore = Number.NEGATIVE_INFINITY;
      let featureBestBin = -1;
      draw = noiseAt[candidate]!;
      if (noiseOn) {
        const { noiseStart } = shared;
        normalDraws(shared.noise, draw, noiseDraws(feature), noiseStart[0]!, noiseStart[1]!, noiseStart[2]!);
      }
      if (feature.kind === 2) {
        if (feature.sparseRows.length > 0) {
          featureBestScore = scoreSparse(feature, leaves);
          featureBestBin = 0;
        }
      } else if (feature.binCount >= 2) {
        const binCount = feature.binCount;
        const oneHot = feature.kind === 1;
        // Where its histogram would be larger than the data (dense only), from its rows by bin.
        const byRows = !usesHistogram(feature, rows, leaves);
        const groups = byRows ? (feature.binGroups[fold] ?? feature.binGroups[0]) : undefined;
        if (byRows && !groups)
          throw new Error(`feature ${index} is scored from its rows by bin but has none grouped`);
        if (scoreOnWasm && !oneHot)
          [featureBestScore, featureBestBin] = scoreOnWasm(
            histogram,
            groups,
            binCount,
            leaves,
            noiseOn ? draw : -1,
            scaledL2,
            penalty[candidate]!,
          );
        else if (oneHot) {
          for (let bin = 0; bin < binCount; bin++) {
            for (let leaf = 0; leaf < leaves; leaf++) {
              const cell = (bin * leaves + leaf) * stride;
              partWeight[leaf] = histogram[cell]!;
              for (let k = 0; k < outputs; k++) partDelta[leaf * outputs + k] = histogram[cell + 1 + k]!;
            }
            const score = cosine(leaves) + noise();
            if (score > featureBestScore) {
              featureBestScore = score;
              featureBestBin = bin;
            }
          }
        } else {
          // Left part (bins ≤ b) accumulated over the borders in ascending order. The cosine
          // score's sums are kept per leaf and updated only for the leaves that have rows in
          // bin b (a border moves no other leaf's rows), in ascending leaf order either way, so
          // both paths give the same doubles.
          const scale = penalty[candidate]!;
          partWeight.fill(0, 0, leaves);
          partDelta.fill(0, 0, leaves * outputs);
          scoreSums[0] = 0;
          scoreSums[1] = 1e-100;
          for (let leaf = 0; leaf < leaves; leaf++) {
            leafTerms(leaf);
            scoreSums[0] += termNumerator[leaf]!;
            scoreSums[1] += termDenominator[leaf]!;
          }
          for (let bin = 0; bin < binCount - 1; bin++) {
            if (groups) {
              stampValue++;
              let touchedCount = 0;
              for (let at = groups.start[bin]!; at < groups.start[bin + 1]!; at++) {
                const row = groups.rows[at]!;
                const weight = bootstrap[row]!;
                if (weight === 0) continue;
                const leaf = leafOf[row]!;
                const cell = leaf * stride;
                if (stamp[leaf] !== stampValue) {
                  stamp[leaf] = stampValue;
                  // Insertion keeps the touched leaves in ascending order (there are few).
                  let at2 = touchedCount++;
                  while (at2 > 0 && touched[at2 - 1]! > leaf) {
                    touched[at2] = touched[at2 - 1]!;
                    at2--;
                  }
                  touched[at2] = leaf;
                  for (let k = 0; k < stride; k++) cellSums[cell + k] = 0;
                }
                cellSums[cell] = cellSums[cell]! + weight;
                for (let k = 0; k < outputs; k++)
                  cellSums[cell + 1 + k] = cellSums[cell + 1 + k]! + weighted[row * outputs + k]!;
              }
              for (let at = 0; at < touchedCount; at++) {
                const leaf = touched[at]!;
                moveToPart(leaf, cellSums, leaf * stride);
              }
            } else {
              const row0 = bin * leaves * stride;
              for (let leaf = 0; leaf < leaves; leaf++) {
                const cell = row0 + leaf * stride;
                if (histogram[cell] !== 0) moveToPart(leaf, histogram, cell);
              }
            }
            const score = (scoreSums[0]! / Math.sqrt(Math.max(scoreSums[1]!, 1e-100))) * scale + noise();
            if (score > featureBestScore) {
              featureBestScore = score;
              featureBestBin = bin;
            }
          }
        }
      }
      shared.bestScore[candidate] = featureBestScore;
      shared.bestBin[candidate] = featureBestBin;
    };

    return {
      /**
       * Does this thread's part of the job `shared.control` describes; `alone` (the main thread
       * only), all of it.
       */
      run(alone = false): void {
        const level = control[CONTROL.LEVEL]!;
        const fold = control[CONTROL.FOLD]!;
        // The thread's rows: whole blocks, so that sums per block do not depend on the threads.
        // `alone` (main thread): every block, as a fit on one thread.
        const team = alone ? 1 : shared.threads;
        const [first, end] = blockRange(rows, blockRows(depth), team, thread);
        const [from, to] = rowRange(rows, blockRows(depth), team, thread);
        const job = control[CONTROL.JOB]!;
        if (job === JOB.WEIGH || job === JOB.TREE || job === JOB.UPDATE) {
          const leafRows = control[CONTROL.LEAF_ROWS] === 1 ? shared.averagingLeafOf : leafOf;
          if (job === JOB.TREE) {
            // The leaves of the thread's rows (its blocks), then their sums per block and leaf.
            treeLeaves(shared, team, thread, wasm);
            const leafCount = control[CONTROL.LEAF_COUNT]!;
            if (wasm)
              wasm.leafSums(
                leafRows.byteOffset,
                shared.gradient.byteOffset,
                shared.hessian.byteOffset,
                shared.blockLeaves.byteOffset,
                rows,
                blockRows(depth),
                first,
                end,
                leafCount,
                outputs,
                shared.hessianSize,
              );
            else sumLeafBlocks(shared, leafRows, leafCount, first, end);
          } else if (job === JOB.WEIGH) {
            // Level 0 lists the rows with weight ≠ 0 (as the "low" side): the thread's count of them.
            // Alone, every row's count is the main thread's.
            if (alone) {
              shared.rangeLow.fill(0);
              shared.rangeHigh.fill(0);
            }
            shared.rangeLow[thread] = wasmWeighs
              ? wasmWeighs.weigh(
                  shared.bootstrap.byteOffset,
                  shared.gradient.byteOffset,
                  weighted.byteOffset,
                  shared.blockSums.byteOffset,
                  rows,
                  blockRows(depth),
                  first,
                  end,
                  control[CONTROL.BOOTSTRAP_STATE]!,
                  shared.bootstrapType,
                  outputs,
                  shared.subsample,
                )
              : weighBlocks(shared, first, end);
            allWeighted = shared.rangeLow[thread] === to - from;
            shared.rangeHigh[thread] = 0;
          } else
            updateBlocks(
              shared,
              team,
              thread,
              wasm,
              control[CONTROL.LOSS]!,
              leafRows,
              control[CONTROL.ADD_LEAVES] === 1,
              first,
              end,
            );
          return;
        }
        if (job === JOB.LIST) {
          const list = {
            rows: shared.levelRows,
            leafOfRow: shared.levelLeafOfRow,
            packed: shared.levelPacked,
            blockTotals: shared.levelBlockTotals,
          };
          const smallIsHigh = control[CONTROL.SMALL_IS_HIGH] === 1;
          if (wasm) {
            const [sideBit, sideMask, wanted] = listedSide(level, smallIsHigh);
            wasm.lists[stride === 4 ? 1 : 0]!(
              leafOf.byteOffset,
              bootstrap.byteOffset,
              weighted.byteOffset,
              list.rows.byteOffset,
              list.leafOfRow.byteOffset,
              list.packed.byteOffset,
              list.blockTotals.byteOffset,
              wasm.listScratchAt,
              blockRows(depth),
              levelLeaves * stride * 8,
              rows,
              first,
              end,
              shared.rangeAt[thread]!,
              sideBit,
              sideMask,
              wanted,
              (1 << level) * stride * 8,
            );
            return;
          }
          listRows(
            list,
            outputs,
            leafOf,
            bootstrap,
            weighted,
            depth,
            first,
            end,
            shared.rangeAt[thread]!,
            level,
            smallIsHigh,
          );
          return;
        }
        if (job === JOB.SPLIT) {
          const feature = features[control[CONTROL.SPLIT_FEATURE]!] as SearchFeature;
          const values =
            feature.kind === 2 ? feature.sparseRows : (feature.bins[fold] ?? (feature.bins[0] as Bins));
          const right = split(wasm, feature, values, control[CONTROL.SPLIT_BIN]!, leafOf, level, from, to);
          // The next level lists rows with weight ≠ 0: when all of the thread's rows have it (the
          // Bayesian bootstrap, or none), they are counted as they are split, else counted again.
          const [high, low] =
            allWeighted && !alone
              ? [right, to - from - right]
              : countSides(leafOf, bootstrap, level, from, to);
          // Alone, every row's count is the main thread's.
          if (alone) {
            shared.rangeHigh.fill(0);
            shared.rangeLow.fill(0);
          }
          shared.rangeHigh[thread] = high;
          shared.rangeLow[thread] = low;
          return;
        }
        view.level = level;
        view.leaves = 1 << level;
        view.count = control[CONTROL.COUNT]!;
        view.smallIsHigh = control[CONTROL.SMALL_IS_HIGH] === 1;
        view.stamp = control[CONTROL.STAMP]!;
        scaledL2 = shared.scaledL2[0]!;
        noiseOn = control[CONTROL.NOISE] === 1;
        const count = control[CONTROL.CANDIDATES]!;
        // Sparse features on the main thread, which has their sums; the others from the queue.
        if (sparse)
          for (let candidate = 0; candidate < count; candidate++) {
            const index = candidates[candidate]!;
            if ((features[index] as SearchFeature).kind === 2)
              scoreFeature(candidate, index, level, fold, emptyHistogram);
          }
        const leaves = 1 << level;
        const batches = control[CONTROL.BATCHES]!;
        for (;;) {
          // Take the next batch of candidates from the shared counter. (Smaller batches as the
          // candidates run out, for the threads to finish together, were no faster: more
          // features then get a pass of their own; docs/gbdt.md has the figures.)
          const batchIndex = Atomics.add(control, CONTROL.NEXT_BATCH, 1);
          if (batchIndex >= batches) break;
          const next = shared.batchStarts[batchIndex]!;
          const end = shared.batchStarts[batchIndex + 1]!;
          // The histograms of the batch's features in a pass over the rows (four columns: features
          // or groups' joint histograms), then their scores.
          let requested = 0;
          for (let candidate = next; candidate < end; candidate++) {
            const index = candidates[candidate]!;
            const feature = features[index] as SearchFeature;
            if (!usesHistogram(feature, rows, leaves)) continue;
            const request = requests[requested]!;
            request.feature = index;
            request.bins = feature.bins[fold] ?? (feature.bins[0] as Bins);
            request.binCount = feature.binCount;
            request.onWasm = feature.binsOnWasm;
            // Kept for the next level when that level builds a histogram for this feature too.
            request.keep = level + 1 < depth && usesHistogram(feature, rows, 2 * leaves);
            // The first of a group summed jointly, its other features the next requests.
            request.jointSize = joinedAt(shared, candidate, end, leaves);
            if (request.jointSize > 0) {
              request.jointBins = feature.jointBins[fold] ?? (feature.jointBins[0] as Bins);
              request.jointCombos = feature.jointCombos;
            }
            requestCandidate[requested++] = candidate;
          }
          const batch =
            requested > 0 ? histograms.build(requests, requested, leafOf, bootstrap, weighted) : [];
          let slot = 0;
          for (let candidate = next; candidate < end; candidate++) {
            const index = candidates[candidate]!;
            if ((features[index] as SearchFeature).kind === 2) continue;
            const histogram =
              slot < requested && requestCandidate[slot] === candidate ? batch[slot++]! : emptyHistogram;
            scoreFeature(candidate, index, level, fold, histogram);
          }
        }
      },
    };
  }

  /**
   * Whether `control`'s GENERATION moves on from `generation` within `micros` µs of watching it
   * (no time: false at once): a worker that spins catches the next job without the ~50–100 µs a
   * sleeping thread takes to wake.
   */
  function spinFor(control: Int32Array, generation: number, micros: number): boolean {
    if (micros <= 0) return false;
    const until = performance.now() + micros / 1000;
    do {
      for (let load = 0; load < 64; load++)
        if (Atomics.load(control, CONTROL.GENERATION) !== generation) return true;
    } while (performance.now() < until);
    return false;
  }

  /**
   * A worker thread's life: set up its jobs and say it is ready; then wait for a new generation
   * (job), do its part, count itself done; stop when told. An error is written to
   * `shared.failure` for the main thread to throw.
   */
  function serveWorker(setup: { shared: SearchShared; thread: number }): void {
    const { shared, thread } = setup;
    const { control } = shared;
    const search = threadJobs(shared, thread);
    Atomics.store(shared.doneGeneration, thread, WORKER_READY);
    Atomics.notify(shared.doneGeneration, thread);
    let generation = 0;
    for (;;) {
      // A job is a new generation; anything else that wakes the thread goes back to waiting.
      const current = Atomics.load(control, CONTROL.GENERATION);
      if (current === generation) {
        if (!spinFor(control, generation, Atomics.load(control, CONTROL.SPIN_MICROS)))
          Atomics.wait(control, CONTROL.GENERATION, generation);
        continue;
      }
      generation = current;
      if (Atomics.load(control, CONTROL.STOP) === 1) return;
      try {
        search.run();
      } catch (error) {
        const text = new TextEncoder().encode(String((error as Error)?.stack ?? error));
        shared.failure.set(text.subarray(0, shared.failure.length));
        Atomics.store(control, CONTROL.FAILED, 1);
      }
      // Done with this generation's job: the main thread waits for every worker's slot to say so.
      Atomics.store(shared.doneGeneration, thread, generation);
      Atomics.notify(shared.doneGeneration, thread);
    }
  }

  return {
    CONTROL,
    JOB,
    BOOTSTRAP,
    LOSS,
    MULBERRY32_STEP,
    mulberry32Skip,
    mulberry32Draw,
    normalDraws,
    noiseDraws,
    blockRows,
    maxLeaves,
    hessianSize,
    usesHistogram,
    jointCount,
    usesJoint,
    planBatches,
    rowRange,
    rowLoss,
    lossSum,
    derivatives,
    weighBlocks,
    listRows,
    splitRows,
    sumLeafBlocks,
    subtractFromParent,
    KeptHistograms,
    HistogramBuilder,
    wasmPass,
    wasmScorer,
    scoreScratch,
    threadJobs,
    serveWorker,
  };
}

/** The kernel as the main thread uses it. */
export const kernel = splitKernel();
