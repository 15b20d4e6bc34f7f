import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { WASM_STRIDES, type WasmMemoryArrays } from "./histogram-wasm.ts";
import type { ArrayMaker, Bins } from "./histograms.ts";
import {
  type BinGroups,
  kernel,
  type SearchFeature,
  type SearchShared,
  type SparseSource,
  splitKernel,
  type WasmPassSetup,
} from "./split-kernel.ts";
import { WASM_MEMORY_BYTES } from "./wasm-emit.ts";

const { CONTROL, JOB } = kernel;

/** A worker's done slot before it has booted and set up its jobs. */
const WORKER_BOOTING = 0;

/** A worker's done slot when its program failed outside a job: it will not finish any. */
const WORKER_GONE = -1;

/**
 * A worker thread's program, as text: the kernel from its own source (see split-kernel.ts), which
 * it evaluates as soon as it starts, then serves the fit whose `{ shared, thread }` the first
 * message brings (see {@link BootedWorkers}). `__name` is a no-op stand-in for the helper esbuild
 * inserts when a build keeps function names. If the program itself fails (the kernel's source
 * does not evaluate in a worker, say, because a bundler put a helper of its own into it), the
 * worker reports the error as a failed job does and marks its done slot gone, so `run()` throws
 * instead of waiting for it.
 */
function workerSource(kernelSource: string): string {
  return `"use strict";
var __name = (target) => target;
const { parentPort } = require("node:worker_threads");
let kernel;
let bootError;
try {
  kernel = (${kernelSource})();
} catch (error) {
  bootError = error;
}
parentPort.once("message", ({ shared, thread }) => {
  try {
    if (bootError) throw bootError;
    kernel.serveWorker({ shared, thread });
  } catch (error) {
    const text = new TextEncoder().encode(String((error && error.stack) || error));
    shared.failure.set(text.subarray(0, shared.failure.length));
    Atomics.store(shared.control, ${CONTROL.FAILED}, 1);
    Atomics.store(shared.doneGeneration, thread, ${WORKER_GONE});
    Atomics.notify(shared.doneGeneration, thread);
  }
});
`;
}

/**
 * Worker threads started before a fit's setup, so that they boot — a V8 isolate, Node's
 * bootstrap, the kernel's compilation: ~40–120 ms per fit on this 2-vCPU machine — while the main thread
 * quantizes the columns, instead of while it waits for the first job. {@link FitThreads} takes as
 * many as the fit has threads and sends each its work; `terminate()` ends the others (a fit with
 * fewer features than threads, or one whose setup throws).
 */
export class BootedWorkers {
  private readonly source: string;
  private readonly idle: Worker[] = [];

  /** `kernelSource`: the workers' kernel, as text (tests break it on purpose). */
  constructor(count: number, kernelSource = splitKernel.toString()) {
    this.source = workerSource(kernelSource);
    for (let at = 0; at < count; at++) this.idle.push(this.start());
  }

  private start(): Worker {
    const worker = new Worker(this.source, { eval: true, name: "ct-gbdt" });
    // A worker only ever waits for its work or on the shared memory; it must not keep the process alive.
    worker.unref();
    return worker;
  }

  /** `count` workers for a fit (started now if fewer were booted); they are no longer idle. */
  take(count: number): Worker[] {
    while (this.idle.length < count) this.idle.push(this.start());
    return this.idle.splice(0, count);
  }

  /** Ends the workers not taken; resolves to their exit codes once they are gone. */
  terminate(): Promise<number[]> {
    return Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }
}

/** Room for a worker's error message. */
const FAILURE_BYTES = 4096;

/** Typed arrays on SharedArrayBuffers, which worker threads read and write in place. */
export const sharedArrays: ArrayMaker = {
  uint32: (length) => new Uint32Array(new SharedArrayBuffer(length * 4)),
  float64: (length) => new Float64Array(new SharedArrayBuffer(length * 8)),
};

/** A copy of `values` on a SharedArrayBuffer. */
export function sharedCopy<T extends Uint8Array | Uint16Array | Uint32Array>(values: T): T {
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(values.byteLength),
  );
  copy.set(values);
  return copy;
}

/** What {@link searchSlots} makes: the jobs' control slots and per-candidate, per-thread and per-block arrays. */
export type SearchSlots = Pick<
  SearchShared,
  | "threads"
  | "control"
  | "scaledL2"
  | "candidates"
  | "batchStarts"
  | "noiseAt"
  | "penalty"
  | "noise"
  | "noiseStart"
  | "bestScore"
  | "bestBin"
  | "rangeAt"
  | "rangeHigh"
  | "rangeLow"
  | "doneGeneration"
  | "leafValues"
  | "treeSplits"
  | "blockSums"
  | "blockLoss"
  | "blockEvalLoss"
  | "blockLeaves"
  | "failure"
>;

/**
 * The slots of {@link SearchShared} for a fit of this size; `wasmArrays` makes those the wasm
 * code reads and writes (the noise, the leaf values, the per-block sums of the weigh job and of
 * the leaves) when it runs.
 */
export function searchSlots(
  size: {
    features: number;
    noiseDraws: number;
    threads: number;
    rows: number;
    evalRows: number;
    outputs: number;
    /** Second derivatives per row (the kernel's `hessianSize`). */
    hessianSize: number;
    depth: number;
  },
  arrays: ArrayMaker,
  wasmArrays: ArrayMaker = arrays,
): SearchSlots {
  const { features, threads, outputs } = size;
  const int32 = (length: number) => new Int32Array(arrays.uint32(length).buffer);
  const blocks = Math.ceil(size.rows / kernel.blockRows(size.depth));
  const leaves = 2 ** size.depth;
  return {
    threads,
    control: int32(CONTROL.SIZE),
    scaledL2: arrays.float64(1),
    candidates: int32(features),
    batchStarts: int32(features + 1),
    noiseAt: int32(features),
    penalty: arrays.float64(features),
    noise: wasmArrays.float64(Math.max(1, size.noiseDraws)),
    noiseStart: arrays.float64(3),
    bestScore: arrays.float64(features),
    bestBin: int32(features),
    rangeAt: int32(threads),
    rangeHigh: int32(threads),
    rangeLow: int32(threads),
    doneGeneration: int32(threads),
    leafValues: wasmArrays.float64(leaves * outputs),
    treeSplits: int32(2 * size.depth),
    blockSums: wasmArrays.float64(blocks * 2),
    blockLoss: arrays.float64(blocks),
    blockEvalLoss: arrays.float64(Math.ceil(size.evalRows / kernel.blockRows(size.depth))),
    blockLeaves: wasmArrays.float64(blocks * leaves * (1 + outputs + size.hessianSize)),
    failure: new Uint8Array(arrays.uint32(FAILURE_BYTES / 4).buffer),
  };
}

/**
 * A fit's jobs over `shared.threads` threads: the main thread and worker threads, each working
 * on its own range of rows (or blocks of rows) and taking split-search candidates from a shared
 * counter. Workers wait on `Atomics.wait` between jobs, so `train()` stays synchronous; `close()`
 * lets them end.
 */
export class FitThreads {
  private readonly shared: SearchShared;
  private readonly own: ReturnType<typeof kernel.threadJobs>;
  private readonly workers: Worker[];
  private joined = false;

  /** `booted`: where the worker threads come from (booted early by `train()`; tests break their kernel). */
  constructor(shared: SearchShared, sparse: SparseSource, booted = new BootedWorkers(0)) {
    this.shared = shared;
    this.own = kernel.threadJobs(shared, 0, sparse);
    this.workers = booted.take(shared.threads - 1);
    shared.control[CONTROL.SPIN_MICROS] = workerSpinMicros(shared.rows, shared.threads);
    this.workers.forEach((worker, at) => {
      worker.postMessage({ shared, thread: at + 1 });
    });
  }

  /**
   * Runs `job` as `shared.control` describes it: starts the workers, runs `beforeOwn` (work of
   * the main thread's that the workers do not need), the main thread's own part, then waits for
   * the workers. Throws a worker's error.
   */
  run(job: Job, beforeOwn?: () => void): void {
    const { control } = this.shared;
    const workers = this.workers.length;
    control[CONTROL.JOB] = JOB[job];
    let generation = 0;
    if (workers > 0) {
      generation = Atomics.add(control, CONTROL.GENERATION, 1) + 1;
      Atomics.notify(control, CONTROL.GENERATION);
    }
    beforeOwn?.();
    this.own.run();
    // Every worker must have finished this generation's job, not just some job (or be gone).
    const { doneGeneration } = this.shared;
    for (let thread = 1; thread <= workers; thread++)
      for (let done = Atomics.load(doneGeneration, thread); done !== generation && done !== WORKER_GONE; ) {
        Atomics.wait(doneGeneration, thread, done);
        done = Atomics.load(doneGeneration, thread);
      }
    this.throwFailure();
  }

  /** Throws a worker's error, if one failed. */
  private throwFailure(): void {
    if (Atomics.load(this.shared.control, CONTROL.FAILED) === 1) {
      const bytes = this.shared.failure;
      const end = bytes.indexOf(0);
      const message = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
      throw new Error(`a gbdt worker thread failed: ${message}`);
    }
  }

  /**
   * Runs `job` on the main thread alone, over every row and candidate: the same results as `run`
   * (sums per block, scores per candidate), without the workers — for jobs whose rows take less
   * time than a hand-over (`ALONE_ROWS`), and for every job while the workers still boot.
   */
  runAlone(job: Job, beforeOwn?: () => void): void {
    this.shared.control[CONTROL.JOB] = JOB[job];
    beforeOwn?.();
    this.own.run(true);
  }

  /**
   * Whether every worker has booted and set up its jobs (or failed: `run` then throws its
   * error). A fit asks before each tree and runs the tree's jobs alone until they have, instead
   * of waiting for them: a worker boots in ~40–150 ms on the machine of docs/benchmarks.md, longer
   * than the setup of a fit of 10 k rows.
   */
  workersReady(): boolean {
    if (!this.joined)
      this.joined = this.workers.every(
        (_, at) => Atomics.load(this.shared.doneGeneration, at + 1) !== WORKER_BOOTING,
      );
    return this.joined;
  }

  /**
   * Waits until every worker has booted (or failed), then throws a worker's error: a fit that
   * ends before its workers take part still reports a worker that cannot run.
   */
  settle(): void {
    const { doneGeneration } = this.shared;
    for (let thread = 1; thread <= this.workers.length; thread++)
      while (Atomics.load(doneGeneration, thread) === WORKER_BOOTING)
        Atomics.wait(doneGeneration, thread, WORKER_BOOTING);
    this.joined = true;
    this.throwFailure();
  }

  /** Tells the workers to end (they finish the job they are on first). */
  close(): void {
    if (this.workers.length === 0) return;
    const { control } = this.shared;
    Atomics.store(control, CONTROL.STOP, 1);
    Atomics.add(control, CONTROL.GENERATION, 1);
    Atomics.notify(control, CONTROL.GENERATION);
  }
}

/**
 * The jobs of {@link FitThreads.run}: per level LIST the rows, SEARCH the candidates, SPLIT the
 * rows; per tree WEIGH the gradients, find the TREE's leaves of the averaging fold and eval rows
 * and sum the leaves, UPDATE the raw outputs and derivatives (split-kernel.ts).
 */
export type Job = keyof typeof JOB;

export { CONTROL };

/**
 * Learn rows up to which the main thread lists and splits a level's rows alone
 * (`FitThreads.runAlone`): a hand-over costs ~0.1 ms on the machine of docs/benchmarks.md (waking
 * a worker ~40 µs, then waiting for the slower thread), more than listing or splitting this many
 * rows on one thread. Measured there on 2 threads: fits of 7 k to 14 k learn rows 3–10 % faster
 * alone, of 28 k no faster.
 */
export const ALONE_ROWS = 20000;

/**
 * How long a worker spins on the job counter after a job before it sleeps, in µs. A sleeping
 * worker takes ~50–100 µs to wake on the machine of docs/benchmarks.md, and where every thread
 * lists and splits (more than ALONE_ROWS learn rows) a level's jobs follow each other within
 * tens of µs. Measured there on 2 threads: 1 ms of spinning made fits of 28 k and 70 k learn rows
 * 6–7 % faster (200 µs: 4 %), and no faster at 700 k. None where the main thread lists and splits
 * alone (a spinning worker made a fit of 7 k learn rows 10 % slower) or where the threads
 * outnumber the cores (a spinning thread would hold a core another thread needs).
 */
export function workerSpinMicros(rows: number, threads: number): number {
  return rows > ALONE_ROWS && threads <= availableParallelism() ? 1000 : 0;
}

/** Rows below which `thread_count` −1 means one thread: a level's work is then short next to waking workers. */
export const MIN_THREAD_ROWS = 5000;

/** The threads `thread_count` asks for: as given, or for −1 every core (one below MIN_THREAD_ROWS rows). */
export function requestedThreads(threadCount: number, rows: number): number {
  if (threadCount === -1) return rows < MIN_THREAD_ROWS ? 1 : availableParallelism();
  return threadCount;
}

/**
 * The threads of a fit: those requested ({@link requestedThreads}), at most one per feature the
 * workers can score (sparse features stay on the main thread).
 */
export function searchThreads(threadCount: number, rows: number, features: readonly SearchFeature[]): number {
  const dense = features.filter((feature) => feature.kind !== 2).length;
  return Math.max(1, Math.min(requestedThreads(threadCount, rows), dense));
}

/** Noise values the search draws for a feature at a level (the kernel's `noiseDraws`). */
export const noiseDraws: (feature: SearchFeature) => number = kernel.noiseDraws;

/**
 * Stores for each feature's kept histogram, as large as the largest one the fit keeps (the
 * kernel keeps a level's histogram when the next level `usesHistogram` too), and their stamps:
 * shared, so any thread can score any feature.
 */
export function keptStores(
  features: readonly SearchFeature[],
  rows: number,
  depth: number,
  outputs: number,
  arrays: ArrayMaker,
): SearchShared["kept"] {
  const values = features.map((feature) => {
    let size = 0;
    for (let level = 0; level + 1 < depth; level++) {
      const leaves = 2 ** level;
      if (kernel.usesHistogram(feature, rows, 2 * leaves)) size = leaves * feature.binCount * (outputs + 1);
    }
    return arrays.float64(size);
  });
  return { values, stamps: arrays.float64(features.length).fill(-1) };
}

/**
 * Doubles in each of a thread's histogram scratch slots: the largest histogram the fit sums (a
 * feature at a level where it `usesHistogram`, a group's joint one where it `usesJoint`).
 */
export function histogramScratchLength(
  features: readonly SearchFeature[],
  rows: number,
  depth: number,
  outputs: number,
): number {
  let length = 0;
  for (const feature of features)
    for (let leaves = 1; leaves < 2 ** depth; leaves *= 2)
      if (kernel.usesHistogram(feature, rows, leaves))
        length = Math.max(
          length,
          leaves *
            (kernel.usesJoint(feature, rows, leaves) ? kernel.jointCount(feature) : feature.binCount) *
            (outputs + 1),
        );
  return length;
}

/** A fit's size, as `wasmPassFits` needs it. */
export interface FitSize {
  rows: number;
  evalRows: number;
  depth: number;
  outputs: number;
  /** Second derivatives per row (the kernel's `hessianSize`). */
  hessianSize: number;
  threads: number;
  /** `histogramScratchLength`'s, or more. */
  scratchLength: number;
  /** Bytes of the groups' joint bins (joint-bins.ts's `jointBytesBound`). */
  jointBytes: number;
}

/**
 * Whether a fit can run its hot loops in WebAssembly: the module has its stride, and what the
 * memory holds (`WasmPassSetup`) fits in 4 GiB.
 */
export function wasmPassFits(features: readonly SearchFeature[], size: FitSize): boolean {
  const { rows, evalRows, depth, outputs, hessianSize, threads, scratchLength, jointBytes } = size;
  const stride = outputs + 1;
  if (!(WASM_STRIDES as readonly number[]).includes(stride)) return false;
  const blocks = Math.ceil(rows / kernel.blockRows(depth));
  // The level's list and totals; leafOf, averagingLeafOf, bootstrap, weighted, gradient,
  // hessian; evalLeafOf; the tree job's per-block leaf sums.
  const levelRows = rows * (8 + 8 * stride) + (blocks + 2) * kernel.maxLeaves(depth) * stride * 8;
  const perRow = rows * (8 + 8 * stride + 8 * outputs + 8 * hessianSize) + evalRows * 4;
  const leafSums = blocks * 2 ** depth * (1 + outputs + hessianSize) * 8;
  // Dense: u8 learn bins per fold and eval bins; one-hot: u8 value ids.
  const bins = features.reduce(
    (sum, feature) =>
      sum + (feature.kind === 0 ? feature.bins.length * rows + evalRows : feature.kind === 1 ? rows : 0),
    0,
  );
  // At most one kept histogram per feature, none larger than the scratch's.
  const kept = features.length * scratchLength * 8;
  // Rows grouped by bin (`groupBins`): a u32 per row and per bin, per fold.
  const groups = features.reduce(
    (sum, feature) =>
      sum +
      (needsBinGroups(feature, rows, depth) ? feature.bins.length * (rows + feature.binCount + 1) * 4 : 0),
    0,
  );
  const scratch =
    threads *
    (kernel.HistogramBuilder.SLOTS * scratchLength * 8 +
      kernel.blockRows(depth) * 4 +
      kernel.scoreScratch(depth, outputs).bytes);
  // Room for the 16-byte alignment of each array.
  const alignment = 16 * (5 * features.length + 3 * threads + 16);
  return (
    levelRows + perRow + leafSums + bins + jointBytes + groups + kept + scratch + alignment <=
    WASM_MEMORY_BYTES
  );
}

/** The histogram work's setup for the kernel: the module, the memory, each thread's scratch. */
export function wasmPassSetup(
  module: WebAssembly.Module,
  arrays: WasmMemoryArrays,
  threads: number,
  scratchLength: number,
  depth: number,
  outputs: number,
): WasmPassSetup {
  const scratchAt = Array.from(
    { length: threads },
    () => arrays.float64(kernel.HistogramBuilder.SLOTS * scratchLength).byteOffset,
  );
  const listScratchAt = Array.from(
    { length: threads },
    () => arrays.uint32(kernel.blockRows(depth)).byteOffset,
  );
  const scoreAt = Array.from(
    { length: threads },
    () => arrays.uint8(kernel.scoreScratch(depth, outputs).bytes).byteOffset,
  );
  return { module, memory: arrays.memory, scratchAt, scratchLength, listScratchAt, scoreAt };
}

/** `bins`' rows grouped by bin (a counting sort: row order within a bin) on `arrays`. */
export function binGroups(bins: Bins, binCount: number, arrays: ArrayMaker): BinGroups {
  const start = arrays.uint32(binCount + 1);
  for (let row = 0; row < bins.length; row++) {
    const next = bins[row]! + 1;
    start[next] = start[next]! + 1;
  }
  for (let bin = 0; bin < binCount; bin++) start[bin + 1] = start[bin + 1]! + start[bin]!;
  const filled = start.slice(0, binCount);
  const rows = arrays.uint32(bins.length);
  for (let row = 0; row < bins.length; row++) {
    const bin = bins[row]!;
    rows[filled[bin]!] = row;
    filled[bin] = filled[bin]! + 1;
  }
  return { rows, start };
}

/**
 * Groups the rows by bin (`SearchFeature.binGroups`, every learning fold's) of the dense features
 * that some level of a fit of `rows` rows and depth `depth` scores from their rows by bin.
 */
export function groupBins(features: SearchFeature[], rows: number, depth: number, arrays: ArrayMaker): void {
  for (const feature of features)
    if (needsBinGroups(feature, rows, depth))
      feature.binGroups = feature.bins.map((bins) => binGroups(bins, feature.binCount, arrays));
}

/** Whether some level of a fit scores a feature from its rows by bin (`SearchFeature.binGroups`). */
const needsBinGroups = (feature: SearchFeature, rows: number, depth: number): boolean =>
  feature.kind === 0 &&
  feature.binCount >= 2 &&
  !kernel.usesHistogram(feature, rows, kernel.maxLeaves(depth));
