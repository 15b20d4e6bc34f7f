/**
 * MT19937 as numpy's legacy `np.random.RandomState(seed)` runs it, for integer seeds.
 *
 * Seeding is Matsumoto–Nishimura `init_genrand` (numpy's `mt19937_seed`), which is what
 * `RandomState(int)` uses; `nextUint32` is `genrand_int32` with the standard tempering; and
 * `permutation` is the legacy `RandomState.permutation(n)`: `arange(n)` shuffled by
 * `_shuffle_raw` (Fisher–Yates from the end) with `random_interval`'s masked rejection sampling.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
/** `RandomState` accepts integer seeds 0 … 2**32 − 1. */
const MAX_SEED = 0xffffffff;
/** Largest `n` an Int32Array of indices can hold (also far below the 32-bit draw limit). */
const MAX_PERMUTATION_LENGTH = 0x7fffffff;

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`MT19937 seed=${String(seed)} is invalid: it must be an integer in 0 … 2**32 - 1`);
  }
}

function checkLength(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_PERMUTATION_LENGTH) {
    throw new RangeError(
      `permutation length n=${String(n)} is invalid: it must be an integer in 0 … ${MAX_PERMUTATION_LENGTH}`,
    );
  }
}

/** A Mersenne Twister generator bit-identical to numpy's legacy `RandomState(seed)`. */
export class MT19937 {
  private readonly key = new Uint32Array(N);
  private pos = N;

  /**
   * Seeds the generator like `np.random.RandomState(seed)`.
   * @param seed an integer in 0 … 2**32 − 1 (numpy raises for anything else, so do we).
   */
  constructor(seed: number) {
    checkSeed(seed);
    const key = this.key;
    let s = seed >>> 0;
    key[0] = s;
    for (let i = 1; i < N; i++) {
      // key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i, modulo 2**32.
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i) >>> 0;
      key[i] = s;
    }
    this.pos = N;
  }

  /** Regenerates the 624-word state block (numpy's `mt19937_gen`). */
  private generate(): void {
    const key = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (key[N - 1]! & UPPER_MASK) | (key[0]! & LOWER_MASK);
    key[N - 1] = key[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** The next 32-bit output, as an unsigned integer in 0 … 2**32 − 1 (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.pos >= N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A uniform integer in 0 … max, as numpy's `random_interval(bitgen, max)`: draws 32-bit
   * values, masks them with the smallest all-ones mask ≥ max, and rejects those above max.
   * @param max an integer in 0 … 2**32 − 1 (numpy switches to 64-bit draws above that).
   */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(
        `randomInterval max=${String(max)} is invalid: it must be an integer in 0 … 2**32 - 1`,
      );
    }
    if (max === 0) return 0;
    let mask = max >>> 0;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /**
   * `RandomState.permutation(n)`: `arange(n)` shuffled in place by numpy's legacy
   * `_shuffle_raw` (for i = n−1 … 1: j = random_interval(i); swap a[i], a[j]).
   * Advances the generator exactly as numpy does.
   * @param n an integer in 0 … 2**31 − 1.
   */
  permutation(n: number): Int32Array {
    checkLength(n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    // The loop below inlines nextUint32/randomInterval: this is the hot path for n ~ 1e6.
    const key = this.key;
    for (let i = n - 1; i >= 1; i--) {
      let mask = i;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let j: number;
      do {
        if (this.pos >= N) this.generate();
        let y = key[this.pos++]!;
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        // mask < 2**31, so the masked value is a non-negative int32.
        j = y & mask;
      } while (j > i);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

/**
 * `np.random.RandomState(seed).permutation(n)`: a fresh generator seeded with `seed`, then
 * a permutation of 0 … n−1.
 * @param n number of elements, an integer in 0 … 2**31 − 1.
 * @param seed an integer in 0 … 2**32 − 1.
 */
export function permutation(n: number, seed: number): Int32Array {
  checkLength(n);
  return new MT19937(seed).permutation(n);
}
