import { kernel } from "./split-kernel.ts";

/** A uniform source in [0, 1) whose state can be read and skipped ahead. */
export interface Uniform {
  (): number;
  /** The state: the next draw is `kernel.mulberry32Draw(kernel.mulberry32Skip(state, 1))`. */
  state(): number;
  /** Skips `draws` draws, as though they had been drawn. */
  skip(draws: number): void;
}

/**
 * mulberry32: a small seeded PRNG (uniform in [0, 1)), so a seed gives identical models. Its
 * state only adds a constant per draw, so a run of draws can be split among threads, each
 * starting from the state its first row would see (split-kernel.ts, the weigh job).
 */
export function mulberry32(seed: number): Uniform {
  let state = seed >>> 0;
  const { mulberry32Draw, mulberry32Skip } = kernel;
  const next = (): number => {
    state = mulberry32Skip(state, 1);
    return mulberry32Draw(state);
  };
  return Object.assign(next, {
    state: () => state,
    skip: (draws: number) => {
      state = mulberry32Skip(state, draws);
    },
  });
}

/** Standard normal draws whose next run can be skipped, for the threads to draw it. */
export interface Normal {
  (): number;
  /**
   * Skips `draws` draws, as though they had been drawn; returns where they start, as the
   * kernel's `normalDraws` takes it: the uniform source's state and the spare value (NaN: none).
   */
  skip(draws: number): { state: number; spare: number };
}

/**
 * Standard normal draws from a uniform source: Box–Muller, both values of each pair (the sine one
 * is kept for the next draw), so a draw costs half a logarithm, root and cosine. The pairs are the
 * kernel's `normalDraws`, which the threads use to draw a skipped run.
 */
export function normalSource(next: Uniform): Normal {
  let spare = Number.NaN;
  const values = new Float64Array(2);
  const pair = (): number => {
    kernel.normalDraws(values, 0, 2, next.state(), Number.NaN, 1);
    next.skip(2);
    spare = values[1]!;
    return values[0]!;
  };
  const draw = (): number => {
    if (Number.isNaN(spare)) return pair();
    const value = spare;
    spare = Number.NaN;
    return value;
  };
  return Object.assign(draw, {
    skip: (draws: number) => {
      const start = { state: next.state(), spare };
      let left = draws;
      if (left > 0 && !Number.isNaN(spare)) {
        spare = Number.NaN;
        left--;
      }
      next.skip(2 * (left >> 1));
      if (left % 2 === 1) pair();
      return start;
    },
  });
}

/**
 * A random order of `rows` rows, shuffled in blocks of `blockSize` consecutive rows as CatBoost's
 * fold permutations are (block size `min(256, rows / 1000 + 1)` by default): Fisher–Yates over
 * the blocks, rows inside a block keep their order.
 */
export function blockPermutation(rows: number, blockSize: number, next: () => number): Uint32Array {
  const blocks = Math.ceil(rows / blockSize);
  const order = new Uint32Array(blocks);
  for (let block = 0; block < blocks; block++) order[block] = block;
  for (let block = blocks - 1; block > 0; block--) {
    const other = Math.floor(next() * (block + 1));
    const swap = order[block]!;
    order[block] = order[other]!;
    order[other] = swap;
  }
  const permutation = new Uint32Array(rows);
  let position = 0;
  for (let index = 0; index < blocks; index++) {
    const start = order[index]! * blockSize;
    const end = Math.min(rows, start + blockSize);
    for (let row = start; row < end; row++) permutation[position++] = row;
  }
  return permutation;
}

/** CatBoost's default fold permutation block size for `rows` learn rows. */
export function defaultPermutationBlock(rows: number): number {
  return Math.min(256, Math.floor(rows / 1000) + 1);
}
