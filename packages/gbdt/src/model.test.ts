import { describe, expect, it } from "vitest";
import { GbdtModel, MODEL_FORMAT_VERSION } from "./model.ts";
import { creditLike } from "./test-data.ts";
import { train } from "./train.ts";

const learn = creditLike(1200, 11);
const test = creditLike(400, 12);
const pick = (part: typeof learn) => ({
  features: { x: part.x, z: part.z },
  categorical: { id: part.id, city: part.city, flag: part.flag },
  text: { note: part.note },
  labels: part.labels,
});
const params = {
  iterations: 40,
  depth: 4,
  learning_rate: 0.3,
  rsm: 0.8,
  loss_function: "MultiClassOneVsAll",
  random_seed: 42,
};

describe("model file v2", () => {
  const { model } = train(pick(learn), params, { eval: pick(test) });
  const text = JSON.stringify(model.toJSON());

  it("holds what prediction needs: CTR tables, dictionaries, naive Bayes counts, leaf weights", () => {
    const json = model.toJSON();
    expect(json.version).toBe(MODEL_FORMAT_VERSION);
    expect(json.categoricalFeatures).toEqual(["id", "city", "flag"]);
    expect(json.textFeatures).toEqual(["note"]);
    const types = new Set(json.features.map((feature) => feature.type));
    for (const type of ["Float", "Ctr", "BoW", "NaiveBayes"]) expect(types).toContain(type);
    const city = json.ctrTables.find((table) => json.categoricalFeatures[table.column] === "city");
    expect(city?.values).toHaveLength(30);
    expect(city?.counts).toHaveLength(30 * 3);
    expect(city?.counts.reduce((sum, count) => sum + count, 0)).toBe(1200);
    expect(json.tokenizedTexts.some((tokenized) => tokenized.naiveBayes?.classDocs.length === 3)).toBe(true);
    for (const tree of json.trees) {
      expect(tree.leafWeights?.reduce((sum, weight) => sum + weight, 0)).toBe(1200);
      for (const split of tree.splits) expect(json.features[split.feature]).toBeDefined();
    }
  });

  it("round-trips through JSON and predicts identically with categorical and text columns", () => {
    const restored = GbdtModel.fromJSON(text);
    expect(JSON.stringify(restored.toJSON())).toBe(text);
    expect(Array.from(restored.predictProba(pick(test)))).toEqual(Array.from(model.predictProba(pick(test))));
    expect(restored.predict(pick(test))).toEqual(model.predict(pick(test)));
  });

  it("is byte-identical for the same data, parameters and seed, whatever thread_count", () => {
    const again = JSON.stringify(
      train(pick(learn), { ...params, thread_count: 1 }, { eval: pick(test) }).model,
    );
    expect(again).toBe(text);
    const otherSeed = JSON.stringify(
      train(pick(learn), { ...params, random_seed: 7 }, { eval: pick(test) }).model,
    );
    expect(otherSeed).not.toBe(text);
  });

  it("predicts the eval rows as training evaluated them", () => {
    const result = train(
      pick(learn),
      { ...params, use_best_model: false, custom_metric: ["Accuracy"] },
      {
        eval: pick(test),
      },
    );
    const metrics = result.model.evalMetrics(pick(test), ["MultiClassOneVsAll", "Accuracy"]);
    expect(metrics.MultiClassOneVsAll).toBeCloseTo(
      result.evalMetrics?.MultiClassOneVsAll?.at(-1) as number,
      12,
    );
    expect(metrics.Accuracy).toBe(result.evalMetrics?.Accuracy?.at(-1));
  });

  it("needs only the columns the trees use, and names a missing one", () => {
    const used = new Set(model.json.features.map((feature) => feature.type));
    expect(used.has("Ctr")).toBe(true);
    const { categorical, ...withoutCategorical } = pick(test);
    expect(() => model.predict(withoutCategorical)).toThrow(/missing categorical column "(id|city|flag)"/);
    expect(() => model.predict({ ...pick(test), categorical: { ...categorical, city: ["a"] } })).toThrow(
      /has 1 rows, expected 400|has 400 rows, expected 1/,
    );
  });

  it("reads model files of version 1", () => {
    const v1 = {
      format: "ct-gbdt",
      version: 1,
      lossFunction: "Logloss",
      classes: ["no", "yes"],
      featureNames: ["a", "b"],
      outputs: 1,
      bias: [0],
      trees: [{ splits: [{ feature: 1, border: 0.5 }], leafValues: [-1, 2] }],
      bestIteration: 0,
    };
    const loaded = GbdtModel.fromJSON(JSON.stringify(v1));
    expect(loaded.json.version).toBe(2);
    expect(loaded.predict({ a: Float64Array.of(9, 9), b: Float64Array.of(0, 1) })).toEqual(["no", "yes"]);
    expect(loaded.featureImportance()).toEqual({ a: 0, b: 100 });
    expect(() => GbdtModel.fromJSON({ ...v1, version: 3 } as never)).toThrow("not a ct-gbdt v1/v2 model");
  });
});

describe("nan_mode", () => {
  const x = Float64Array.of(Number.NaN, Number.NaN, Number.NaN, 1, 2, 3, 8, 9, 10);
  const labels = ["hi", "hi", "hi", "lo", "lo", "lo", "hi", "hi", "hi"];
  const options = { iterations: 40, depth: 1, learning_rate: 0.5, loss_function: "Logloss" };

  it("Max sends missing values above every border", () => {
    const { model } = train({ features: { x }, labels }, { ...options, nan_mode: "Max" });
    expect(model.json.nanMode).toBe("Max");
    expect(model.predict({ x: Float64Array.of(Number.NaN, 2, 9) })).toEqual(["hi", "lo", "hi"]);
  });

  it("Min gives missing values a bin of their own below every value (CatBoost's sentinel border)", () => {
    const { model } = train({ features: { x }, labels }, { ...options, depth: 2 });
    expect(model.predict({ x: Float64Array.of(Number.NaN, 1, 2, 9) })).toEqual(["hi", "lo", "lo", "hi"]);
    const borders = model.json.trees.flatMap((tree) => tree.splits.map((split) => split.border));
    expect(borders).toContain(-3.4028234663852886e38);
  });

  it("Forbidden rejects missing values in training and prediction", () => {
    expect(() => train({ features: { x }, labels }, { ...options, nan_mode: "Forbidden" })).toThrow(
      'training feature "x" is missing (NaN) at row 0 and nan_mode is Forbidden',
    );
    const { model } = train(
      { features: { x: x.map((v) => (Number.isNaN(v) ? 0 : v)) }, labels },
      { ...options, nan_mode: "Forbidden" },
    );
    expect(() => model.predict({ x: Float64Array.of(Number.NaN) })).toThrow("nan_mode Forbidden");
  });
});
