import { describe, expect, it } from "vitest";
import { GbdtModel } from "./model.ts";
import { type TrainData, train } from "./train.ts";

function rng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

function dataset(rows: number, seed: number, label: (x: number, y: number, z: number) => string) {
  const next = rng(seed);
  const x = new Float64Array(rows);
  const y = new Float64Array(rows);
  const z = new Float64Array(rows);
  const labels: string[] = [];
  for (let row = 0; row < rows; row++) {
    x[row] = next();
    y[row] = next();
    z[row] = next();
    labels.push(label(x[row] as number, y[row] as number, z[row] as number));
  }
  return { features: { x, y, z }, labels };
}

const share = (predicted: readonly string[], labels: readonly string[]) =>
  predicted.filter((value, row) => value === labels[row]).length / labels.length;

describe("train", () => {
  it("learns a threshold on one feature and ignores noise features", () => {
    const rule = (x: number) => (x > 0.6 ? "high" : "low");
    const learn = dataset(2000, 1, rule);
    const test = dataset(1000, 2, rule);
    const { model } = train(learn, {
      iterations: 30,
      depth: 2,
      learning_rate: 0.3,
      loss_function: "Logloss",
    });
    expect(share(model.predict(test.features), test.labels)).toBeGreaterThan(0.98);
    const importance = model.featureImportance();
    expect(importance.x).toBeGreaterThan(importance.y as number);
  });

  it("learns XOR, which needs depth 2", () => {
    const rule = (x: number, y: number) => (x > 0.5 !== y > 0.5 ? "a" : "b");
    const learn = dataset(3000, 3, rule);
    const test = dataset(1000, 4, rule);
    const deep = train(learn, {
      iterations: 40,
      depth: 2,
      learning_rate: 0.3,
      loss_function: "MultiClass",
      random_strength: 0,
    });
    expect(share(deep.model.predict(test.features), test.labels)).toBeGreaterThan(0.95);
  });

  it("learns three classes with MultiClass and MultiClassOneVsAll", () => {
    const rule = (x: number, y: number) => (x + y < 0.7 ? "Poor" : x + y < 1.3 ? "Standard" : "Good");
    const learn = dataset(3000, 5, rule);
    const test = dataset(1000, 6, rule);
    for (const loss_function of ["MultiClass", "MultiClassOneVsAll"]) {
      const { model } = train(learn, { iterations: 100, depth: 4, learning_rate: 0.3, loss_function });
      expect(model.json.classes).toEqual(["Good", "Poor", "Standard"]);
      expect(share(model.predict(test.features), test.labels)).toBeGreaterThan(0.9);
    }
  });

  it("fits an additive function with RMSE", () => {
    const next = rng(7);
    const x = Float64Array.from({ length: 2000 }, next);
    const y = Float64Array.from({ length: 2000 }, next);
    const target = x.map((value, row) => 3 * value + Math.sin(6 * (y[row] as number)));
    const { model, learnMetrics } = train(
      { features: { x, y }, labels: target },
      { iterations: 200, depth: 3, learning_rate: 0.2, loss_function: "RMSE" },
    );
    expect(learnMetrics.RMSE?.at(-1)).toBeLessThan(0.1);
    const input = { x: Float64Array.of(0.5), y: Float64Array.of(0.25) };
    expect(model.predictProba(input)[0]).toBeCloseTo(1.5 + Math.sin(1.5), 0);
    expect(Number(model.predict(input)[0])).toBe(model.predictProba(input)[0]);
  });

  it("picks the best single split a brute-force search finds", () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6);
    const noise = Float64Array.of(2, 5, 1, 6, 3, 4); // no border separates the classes
    const labels = ["a", "a", "a", "b", "b", "b"];
    const { model } = train(
      { features: { noise, x }, labels },
      { iterations: 1, depth: 1, random_strength: 0, loss_function: "Logloss" },
    );
    expect(model.json.trees[0]?.splits).toEqual([{ feature: 1, border: 3.5 }]);
  });

  it("gives MultiClass leaves the Newton step of the full softmax Hessian, MultiClassOneVsAll of its diagonal", () => {
    // One split (x ≤ 0.5 | x > 0.5), raw outputs 0 before the tree: softmax p = 1/3 for every
    // class (MultiClass), sigmoid p = 1/2 (MultiClassOneVsAll).
    const x = Float64Array.from({ length: 90 }, (_, row) => (row < 60 ? 0 : 1));
    const labels = Array.from(
      { length: 90 },
      (_, row) => (row < 60 ? ["a", "a", "b"] : ["c", "c", "b"])[row % 3]!,
    );
    const params = {
      iterations: 1,
      depth: 1,
      random_strength: 0,
      bootstrap_type: "No",
      learning_rate: 0.5,
    } as const;
    const leaf = (rows: string[], full: boolean): number[] => {
      const n = rows.length;
      const count = (label: string) => rows.filter((value) => value === label).length;
      if (!full) return ["a", "b", "c"].map((label) => (-0.5 * (n / 2 - count(label))) / (n / 4 + 3));
      // (H + λI)·s = g with H = n·(I/3 − J/9), λ = 3: H + λI = (n/3 + 3)·I − (n/9)·J, and
      // Σ g = 0, so J·g = 0 and s = g / (n/3 + 3) — where the diagonal would give g / (2n/9 + 3).
      return ["a", "b", "c"].map((label) => (-0.5 * (n / 3 - count(label))) / (n / 3 + 3));
    };
    const [low, high] = [labels.slice(0, 60), labels.slice(60)];
    for (const [loss, full] of [
      ["MultiClass", true],
      ["MultiClassOneVsAll", false],
    ] as const) {
      const { model } = train({ features: { x }, labels }, { ...params, loss_function: loss });
      const tree = model.json.trees[0];
      expect(tree?.leafWeights).toEqual([60, 30]);
      const expected = [...leaf(low, full), ...leaf(high, full)];
      tree?.leafValues.forEach((value, at) => {
        expect(value).toBeCloseTo(expected[at] as number, 12);
      });
    }
  });

  it("stops early and keeps the best iteration", () => {
    const next = rng(8);
    const rule = (x: number) => (x > 0.5 ? (next() < 0.8 ? "p" : "q") : next() < 0.8 ? "q" : "p");
    const learn = dataset(500, 9, rule);
    const evalSet = dataset(500, 10, rule);
    const result = train(
      learn,
      { iterations: 500, depth: 6, learning_rate: 0.5, od_wait: 20, loss_function: "Logloss" },
      { eval: evalSet },
    );
    const evalLoss = result.evalMetrics?.Logloss ?? [];
    expect(evalLoss.length).toBeLessThan(500);
    expect(evalLoss.length).toBe(result.bestIteration + 21);
    expect(Math.min(...evalLoss)).toBe(evalLoss[result.bestIteration]);
    expect(result.model.json.trees.length).toBe(result.bestIteration + 1);
  });

  it("trains with every bootstrap type", () => {
    const rule = (x: number) => (x > 0.5 ? "up" : "down");
    const learn = dataset(1000, 12, rule);
    for (const bootstrap_type of ["Bayesian", "Bernoulli", "No"]) {
      const { model } = train(learn, {
        iterations: 20,
        depth: 2,
        learning_rate: 0.3,
        bootstrap_type,
        loss_function: "Logloss",
      });
      expect(share(model.predict(learn.features), learn.labels)).toBeGreaterThan(0.97);
    }
  });

  it("is deterministic for a seed and round-trips through JSON", () => {
    const rule = (x: number, y: number, z: number) => (x * y + z > 0.6 ? "yes" : "no");
    const learn = dataset(1000, 11, rule);
    const params = { iterations: 20, depth: 4, rsm: 0.5, random_seed: 42, loss_function: "Logloss" };
    const first = JSON.stringify(train(learn, params).model.toJSON());
    const second = JSON.stringify(train(learn, params).model.toJSON());
    expect(second).toBe(first);
    const other = JSON.stringify(train(learn, { ...params, random_seed: 7 }).model.toJSON());
    expect(other).not.toBe(first);
    const original = train(learn, params).model;
    const restored = GbdtModel.fromJSON(first);
    expect(Array.from(restored.predictProba(learn.features))).toEqual(
      Array.from(original.predictProba(learn.features)),
    );
  });

  it("orders numeric class labels numerically, as CatBoost does", () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const { model } = train({ features: { x }, labels: ["10", "9", "10", "9"] }, { iterations: 2 });
    expect(model.json.classes).toEqual(["9", "10"]);
  });

  it("sends missing values below every border", () => {
    const x = Float64Array.of(Number.NaN, Number.NaN, 1, 2, 8, 9);
    const labels = ["lo", "lo", "lo", "lo", "hi", "hi"];
    const { model } = train(
      { features: { x }, labels },
      { iterations: 30, depth: 1, learning_rate: 0.5, loss_function: "Logloss" },
    );
    expect(model.predict({ x: Float64Array.of(Number.NaN, 9) })).toEqual(["lo", "hi"]);
  });
});

describe("bad input", () => {
  const x = Float64Array.of(1, 2, 3);
  it.each([
    [{ features: { x }, labels: [] as string[] }, {}, "training data is empty"],
    [{ features: { x }, labels: ["a", "a", "a"] }, {}, 'only one class ("a")'],
    [{ features: { x }, labels: ["a", "", "b"] }, {}, "label at row 1 is missing"],
    [{ features: { x }, labels: ["a", "b"] }, {}, 'training feature "x" has 3 rows but there are 2 labels'],
    [{ features: {}, labels: ["a", "b"] }, {}, "no feature columns"],
    [
      { features: { x }, labels: ["a", "b", "c"] },
      { depth: 0 },
      "invalid depth 0: expected an integer from 1 to 16",
    ],
    [{ features: { x }, labels: ["a", "b", "c"] }, { learning_rte: 0.1 }, 'unknown parameter "learning_rte"'],
    [
      { features: { x }, labels: ["a", "b", "c"] },
      { loss_function: "Hinge" },
      'invalid loss_function "Hinge"',
    ],
    [
      { features: { x }, labels: ["a", "b", "c"] },
      { bootstrap_type: "Poisson" },
      'invalid bootstrap_type "Poisson"',
    ],
    [{ features: { x }, labels: ["a", "b", "c"] }, { subsample: 0 }, "invalid subsample 0"],
    [
      { features: { x }, labels: Float64Array.of(1, Number.NaN, 2) },
      { loss_function: "RMSE" },
      "label at row 1 is NaN",
    ],
  ])("rejects %#", (data, params, message) => {
    expect(() => train(data, params)).toThrow(message);
  });

  const city = ["a", "b", "c"];
  const note = ["x y", "y z", "z x"];
  const labels = ["p", "q", "q"];
  it.each([
    [
      { features: {}, categorical: { city: ["a", "b"] }, labels },
      {},
      'training categorical feature "city" has 2 rows but there are 3 labels',
    ],
    [
      { features: { x }, text: { note: ["x"] }, labels },
      {},
      'training text feature "note" has 1 rows but there are 3 labels',
    ],
    [
      { features: {}, categorical: { city: ["a", null, "c"] as unknown as string[] }, labels },
      {},
      'training categorical feature "city" has a missing value at row 1',
    ],
    [
      { features: { x }, categorical: { city }, labels },
      { cat_features: ["town"] },
      'cat_features ["town"] does not match the categorical columns given (["city"]): not categorical columns of the data: "town"; categorical columns not listed: "city"',
    ],
    [
      { features: { x }, text: { note }, labels },
      { text_features: [] },
      'text_features [] does not match the text columns given (["note"]): text columns not listed: "note"',
    ],
    [
      { features: { x }, categorical: { city }, labels },
      { cat_features: [0] },
      "ct takes names, not indices",
    ],
    [{ features: { city: x }, categorical: { city }, labels }, {}, 'column "city" is given twice'],
    [
      { features: { x }, text: { note }, labels },
      { text_processing: { feature_processing: { default: [{ dictionaries_names: ["Trigram"] }] } } },
      'invalid text_processing: feature_processing.default[0] names dictionary "Trigram", which dictionaries does not define (BiGram, Word)',
    ],
    [
      { features: { x }, text: { note }, labels },
      { text_processing: { tokenizers: [{ tokenizer_id: "Comma", delimiter: "," }] } },
      'text_processing: feature_processing.default[0] names tokenizer "Space", which tokenizers does not define (Comma)',
    ],
    [
      { features: { x }, text: { note }, labels },
      { text_processing: { feature_processing: { notes: [{}] } } },
      'feature_processing key "notes" is neither "default" nor a text column (note)',
    ],
    [
      { features: { x }, labels },
      { custom_metric: ["Accuracy", "Recall"] },
      'invalid custom_metric "Recall": unknown metric',
    ],
    [{ features: { x }, labels }, { eval_metric: "AUC" }, 'invalid eval_metric "AUC": unknown metric'],
    [
      { features: { x }, labels },
      { nan_mode: "Mean" },
      'invalid nan_mode "Mean": expected one of Min, Max, Forbidden',
    ],
    [{ features: { x }, labels }, { thread_count: 0 }, "invalid thread_count 0: expected -1 (all cores)"],
    [{ features: { x }, labels }, { one_hot_max_size: -1 }, "invalid one_hot_max_size -1"],
  ] as const)("rejects categorical/text/parameter problem %#", (data, params, message) => {
    expect(() => train(data as TrainData, params)).toThrow(message);
  });

  it("rejects eval data without a training column", () => {
    expect(() =>
      train(
        { features: {}, categorical: { city }, labels },
        { iterations: 1 },
        { eval: { features: {}, labels } },
      ),
    ).toThrow('eval data lacks categorical feature "city"');
  });

  it("rejects a prediction without a training feature", () => {
    const { model } = train(
      { features: { x }, labels: ["a", "b", "b"] },
      { iterations: 2, loss_function: "Logloss" },
    );
    expect(() => model.predict({ y: x })).toThrow('missing feature column "x"');
  });
});
