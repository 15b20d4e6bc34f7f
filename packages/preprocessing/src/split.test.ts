import { readFileSync } from "node:fs";
import { referenceFixture } from "@ct/fixtures";
import { describe, expect, it } from "vitest";
import { trainTestSizes, trainTestSplit } from "./split.ts";

interface SplitCase {
  readonly seed: number;
  readonly n: number;
  readonly permutation: number[];
  readonly "train_test_split_test_size_0.3"?: { train: number[]; test: number[] };
}

const splitCases = (JSON.parse(readFileSync(referenceFixture.splitCases, "utf8")) as { cases: SplitCase[] })
  .cases;
const withSplit = splitCases.filter((c) => c.n >= 2);

describe("trainTestSplit", () => {
  it.each(
    withSplit.map((c) => [c.seed, c.n, c] as const),
  )("equals sklearn train_test_split(arange(n), test_size=0.3, random_state=%i) for n=%i", (seed, n, c) => {
    const { train, test } = trainTestSplit(n, { testSize: 0.3, randomState: seed });
    expect(train).toBeInstanceOf(Int32Array);
    expect(test).toBeInstanceOf(Int32Array);
    // Derived from the permutation: test = perm[:n_test], train = perm[n_test:].
    const nTest = Math.ceil(0.3 * n);
    expect(Array.from(test)).toEqual(c.permutation.slice(0, nTest));
    expect(Array.from(train)).toEqual(c.permutation.slice(nTest));
    // And the recorded scikit-learn output itself.
    const recorded = c["train_test_split_test_size_0.3"];
    expect(recorded).toBeDefined();
    expect(Array.from(test)).toEqual(recorded?.test);
    expect(Array.from(train)).toEqual(recorded?.train);
  });

  it("has the recorded split for every n ≥ 2 in the fixture", () => {
    expect(withSplit.length).toBe(36);
    expect(
      splitCases.filter((c) => c.n === 1).every((c) => c["train_test_split_test_size_0.3"] === undefined),
    ).toBe(true);
  });

  it("uses testSize 0.3 and randomState 42 by default", () => {
    const explicit = trainTestSplit(771, { testSize: 0.3, randomState: 42 });
    expect(trainTestSplit(771)).toEqual(explicit);
    expect(trainTestSplit(771, {})).toEqual(explicit);
  });

  it("sizes the parts like sklearn's _validate_shuffle_split", () => {
    const { train, test } = trainTestSplit(771);
    expect(test.length).toBe(232);
    expect(train.length).toBe(539);
    expect(trainTestSizes(771, 0.3)).toEqual({ nTest: 232, nTrain: 539 });
    expect(trainTestSizes(2, 0.3)).toEqual({ nTest: 1, nTrain: 1 });
    expect(trainTestSizes(3, 0.3)).toEqual({ nTest: 1, nTrain: 2 });
    expect(trainTestSizes(10, 0.3)).toEqual({ nTest: 3, nTrain: 7 });
    expect(trainTestSizes(1000, 0.3)).toEqual({ nTest: 300, nTrain: 700 });
    // Float products round as in Python: 0.07 * 100 = 7.000000000000001 → math.ceil gives 8 test rows.
    expect(0.07 * 100).toBe(7.000000000000001);
    expect(trainTestSizes(100, 0.07)).toEqual({ nTest: 8, nTrain: 92 });
    // n_train is n − n_test, not floor((1 − test_size)·n).
    expect(trainTestSizes(10, 0.25)).toEqual({ nTest: 3, nTrain: 7 });
  });

  it("returns disjoint parts that cover 0 … n−1", () => {
    const n = 10007;
    const { train, test } = trainTestSplit(n, { randomState: 7 });
    const seen = new Uint8Array(n);
    for (const row of [...train, ...test]) seen[row] = (seen[row] ?? 0) + 1;
    expect(seen.every((count) => count === 1)).toBe(true);
  });

  it("is deterministic and seed-dependent", () => {
    expect(trainTestSplit(500, { randomState: 3 })).toEqual(trainTestSplit(500, { randomState: 3 }));
    expect(trainTestSplit(500, { randomState: 3 }).test).not.toEqual(
      trainTestSplit(500, { randomState: 4 }).test,
    );
  });

  it.each([
    [1, "n=1"],
    [0, "n=0"],
    [-5, "n=-5"],
    [2.5, "n=2.5"],
    [Number.NaN, "n=NaN"],
  ])("rejects n = %s", (n, text) => {
    expect(() => trainTestSplit(n)).toThrow(text);
    expect(() => trainTestSplit(n)).toThrow("integer ≥ 2");
  });

  it.each([[0], [1], [-0.1], [1.5], [30], [Number.NaN]])("rejects testSize = %s", (testSize) => {
    expect(() => trainTestSplit(100, { testSize })).toThrow(`testSize=${String(testSize)}`);
    expect(() => trainTestSplit(100, { testSize })).toThrow("strictly between 0 and 1");
  });

  it("rejects a split whose train part would be empty, as sklearn does", () => {
    // sklearn: n=2, test_size=0.6 → n_test = ceil(1.2) = 2, n_train = 0 → ValueError.
    expect(() => trainTestSplit(2, { testSize: 0.6 })).toThrow(
      /n=2 and testSize=0.6 the train part would be empty/,
    );
    expect(() => trainTestSplit(10, { testSize: 0.95 })).toThrow("train part would be empty");
    expect(trainTestSplit(10, { testSize: 0.9 }).train.length).toBe(1);
  });

  it.each([[-1], [4294967296], [0.5], [Number.NaN]])("rejects randomState = %s", (randomState) => {
    expect(() => trainTestSplit(100, { randomState })).toThrow(`randomState=${String(randomState)}`);
  });

  it("accepts the largest seed", () => {
    expect(trainTestSplit(10, { randomState: 4294967295 }).test.length).toBe(3);
  });
});
