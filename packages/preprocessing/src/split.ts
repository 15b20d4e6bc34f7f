import { MT19937 } from "./mt19937.ts";

/** Options of {@link trainTestSplit}; the defaults are the reference pipeline's. */
export interface TrainTestSplitOptions {
  /**
   * Fraction of the rows that go to the test part, strictly between 0 and 1 (scikit-learn's
   * float `test_size`). Absolute counts (scikit-learn's integer `test_size`) are not supported:
   * JavaScript cannot tell `1` from `1.0`.
   */
  readonly testSize?: number;
  /** Seed, as scikit-learn's integer `random_state`: an integer in 0 … 2**32 − 1. */
  readonly randomState?: number;
}

/** Row indices of both parts, each in the split's (shuffled) order. */
export interface TrainTestSplit {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * The sizes scikit-learn 1.2's `_validate_shuffle_split(n, test_size, None)` computes for a float
 * `test_size`: `n_test = ceil(test_size * n)` and, as `train_size` is None, `n_train = n − n_test`
 * (not `floor((1 − test_size) * n)`). The products are IEEE doubles in both languages, so the
 * rounding is identical.
 * @throws Error when `n` or `testSize` is out of range, or the train part would be empty.
 */
export function trainTestSizes(n: number, testSize: number): { nTrain: number; nTest: number } {
  if (!Number.isSafeInteger(n) || n < 2 || n > 0x7fffffff) {
    throw new RangeError(
      `trainTestSplit: n=${String(n)} is invalid: it must be an integer ≥ 2 (and < 2**31)`,
    );
  }
  if (typeof testSize !== "number" || !(testSize > 0 && testSize < 1)) {
    throw new RangeError(
      `trainTestSplit: testSize=${String(testSize)} is invalid: it must be a fraction strictly between 0 and 1`,
    );
  }
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  if (nTrain <= 0) {
    throw new RangeError(
      `trainTestSplit: with n=${n} and testSize=${testSize} the train part would be empty ` +
        `(${nTest} test rows); use a smaller testSize or more rows`,
    );
  }
  return { nTrain, nTest };
}

/**
 * Splits the row indices 0 … n−1 exactly as scikit-learn 1.2's
 * `train_test_split(np.arange(n), test_size=testSize, random_state=randomState)` (shuffle=True,
 * no stratification): `perm = RandomState(randomState).permutation(n)`, test = `perm[:n_test]`,
 * train = `perm[n_test:n_test + n_train]`.
 * @param n number of rows, an integer ≥ 2.
 * @param options `testSize` (default 0.3) and `randomState` (default 42).
 * @returns the train and test row indices, each in the split's order.
 * @throws Error naming the offending value when `n`, `testSize` or `randomState` is invalid, or
 *   when either part would be empty.
 */
export function trainTestSplit(n: number, options: TrainTestSplitOptions = {}): TrainTestSplit {
  const testSize = options.testSize ?? 0.3;
  const randomState = options.randomState ?? 42;
  const { nTrain, nTest } = trainTestSizes(n, testSize);
  if (!Number.isInteger(randomState) || randomState < 0 || randomState > 0xffffffff) {
    throw new RangeError(
      `trainTestSplit: randomState=${String(randomState)} is invalid: it must be an integer in 0 … 2**32 - 1`,
    );
  }
  const perm = new MT19937(randomState).permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}
