import { describe, expect, it } from "vitest";
import { type CtrJson, ctrBucket, defaultCtrs, orderedBuckets, tableBuckets } from "./ctr.ts";
import { GbdtModel } from "./model.ts";
import { creditLike, rng, share } from "./test-data.ts";
import { train } from "./train.ts";

const params = {
  iterations: 100,
  depth: 4,
  learning_rate: 0.2,
  loss_function: "MultiClassOneVsAll",
  random_seed: 1,
  custom_metric: ["Accuracy"],
};

describe("CTRs", () => {
  it("uses CatBoost's default CTRs for three classes: Borders × 2 target borders × 3 priors, and Counter", () => {
    const ctrs = defaultCtrs(0, 3);
    expect(ctrs.map((ctr) => [ctr.ctrType, ctr.targetBorder, ctr.priorNumerator])).toEqual([
      ["Borders", 0, 0],
      ["Borders", 0, 0.5],
      ["Borders", 0, 1],
      ["Borders", 1, 0],
      ["Borders", 1, 0.5],
      ["Borders", 1, 1],
      ["Counter", 0, 0],
    ]);
    // floor((good + prior) / (total + 1) × 15)
    expect(ctrBucket(2, 3, ctrs[1] as CtrJson)).toBe(Math.floor((2.5 / 4) * 15));
  });

  it("lets a learn row see only the rows before it in the permutation", () => {
    const [zero] = defaultCtrs(0, 2) as [CtrJson];
    const ids = Int32Array.of(0, 0, 0);
    const targets = Uint8Array.of(1, 0, 1);
    // In order 0, 1, 2: nothing seen (0/1), then one row of class 1 (1/2), then 1 of 2 (1/3).
    const forward = orderedBuckets(ids, targets, 2, 1, Uint32Array.of(0, 1, 2), [zero])[0];
    expect(Array.from(forward as Uint8Array)).toEqual([0, 7, 5]);
    const backward = orderedBuckets(ids, targets, 2, 1, Uint32Array.of(2, 1, 0), [zero])[0];
    expect(Array.from(backward as Uint8Array)).toEqual([5, 7, 0]);
    // Eval rows and predictions use all learn rows (2 of 3 → 2/4); an unseen value gets the prior.
    const full = tableBuckets(Int32Array.of(0, -1), [1, 2], 2, zero, 3);
    expect(Array.from(full)).toEqual([7, 0]);
  });

  it("gives every Borders CTR of four classes ctrBucket's bucket of the rows before it, in a shuffled order", () => {
    const next = rng(11);
    const rows = 3000;
    const values = 40;
    const ids = Int32Array.from({ length: rows }, () => Math.floor(next() * values));
    const targets = Uint8Array.from({ length: rows }, () => Math.floor(next() * 4));
    const order = Uint32Array.from({ length: rows }, (_, at) => at);
    for (let at = rows - 1; at > 0; at--) {
      const pick = Math.floor(next() * (at + 1));
      [order[at], order[pick]] = [order[pick] as number, order[at] as number];
    }
    const ctrs = defaultCtrs(0, 4).filter((ctr) => ctr.ctrType === "Borders");
    const buckets = orderedBuckets(ids, targets, 4, values, order, ctrs);
    // The definition, row by row: counts of the value's rows before it, above each target border.
    const counts = new Array<number>(values * 4).fill(0);
    const expected = ctrs.map(() => new Array<number>(rows).fill(0));
    for (const row of order) {
      const base = (ids[row] as number) * 4;
      const seen = counts.slice(base, base + 4).reduce((sum, count) => sum + count, 0);
      ctrs.forEach((ctr, index) => {
        const above = counts
          .slice(base + ctr.targetBorder + 1, base + 4)
          .reduce((sum, count) => sum + count, 0);
        (expected[index] as number[])[row] = ctrBucket(above, seen, ctr);
      });
      (counts[base + (targets[row] as number)] as number)++;
    }
    expect(buckets.map((bucket) => Array.from(bucket))).toEqual(expected);
    expect(new Set(buckets.flatMap((bucket) => Array.from(bucket))).size).toBeGreaterThan(5);
  });

  it("does not let an ID-like column look predictive: learn and eval accuracy stay near chance", () => {
    const next = rng(5);
    const rows = 4500;
    const id = Array.from({ length: rows }, () => `u${Math.floor(next() * 2000)}`);
    const labels = Array.from({ length: rows }, () => ["A", "B", "C"][Math.floor(next() * 3)] as string);
    const result = train(
      { features: {}, categorical: { id: id.slice(0, 3000) }, labels: labels.slice(0, 3000) },
      { ...params, use_best_model: false },
      { eval: { features: {}, categorical: { id: id.slice(3000) }, labels: labels.slice(3000) } },
    );
    // A CTR over all learn rows (each row seeing its own label) reaches 0.73 here on learn.
    expect(result.learnMetrics.Accuracy?.at(-1)).toBeLessThan(0.45);
    const evalAccuracy = result.evalMetrics?.Accuracy?.at(-1) as number;
    expect(evalAccuracy).toBeGreaterThan(0.29);
    expect(evalAccuracy).toBeLessThan(0.38);
    expect(result.model.json.ctrTables[0]?.values.length).toBeGreaterThan(1500);
  });

  it("ranks an ID-like column below real signal on eval data", () => {
    const learn = creditLike(3000, 1);
    const test = creditLike(1500, 2);
    const pick = (part: typeof learn) => ({
      features: { x: part.x, z: part.z },
      categorical: { id: part.id, city: part.city },
      labels: part.labels,
    });
    const { model } = train(pick(learn), params, { eval: pick(test) });
    const onEval = model.featureImportance(pick(test));
    const ranked = Object.entries(onEval).sort((a, b) => b[1] - a[1]);
    expect(ranked[0]?.[0]).toBe("city");
    expect(onEval.id).toBeLessThan(0.005);
    expect(onEval.x).toBeGreaterThan((onEval.id as number) + 0.01);
    const onLearn = model.featureImportance();
    expect(onLearn.city).toBeGreaterThan(onLearn.id as number);
  });

  it("raises eval accuracy with a categorical column that carries signal", () => {
    const learn = creditLike(3000, 1);
    const test = creditLike(1500, 2);
    const run = (withCity: boolean) => {
      const pick = (part: typeof learn) => ({
        features: { x: part.x, z: part.z },
        ...(withCity ? { categorical: { city: part.city } } : {}),
        labels: part.labels,
      });
      return share(train(pick(learn), params, { eval: pick(test) }).model.predict(pick(test)), test.labels);
    };
    const without = run(false);
    const withCity = run(true);
    expect(withCity).toBeGreaterThan(without + 0.1);
  });

  it("splits a two-valued column one-hot, and predicts unseen values", () => {
    const next = rng(9);
    const flag = Array.from({ length: 600 }, () => (next() < 0.5 ? "Y" : "N"));
    const labels = flag.map((value) =>
      value === "Y" ? (next() < 0.9 ? "up" : "down") : next() < 0.9 ? "down" : "up",
    );
    const x = Float64Array.from({ length: 600 }, next);
    const { model } = train(
      { features: { x }, categorical: { flag }, labels },
      { iterations: 30, depth: 2, learning_rate: 0.3, loss_function: "Logloss" },
    );
    expect(model.json.ctrTables).toEqual([]);
    expect(model.json.features.some((feature) => feature.type === "OneHot")).toBe(true);
    const input = {
      features: { x: Float64Array.of(0.5, 0.5, 0.5) },
      categorical: { flag: ["Y", "N", "never seen"] },
    };
    const predicted = model.predict(input);
    expect(predicted.slice(0, 2)).toEqual(["up", "down"]);
    expect(predicted[2]).toMatch(/^(up|down)$/);
  });

  it("gives every unseen category the same (prior) prediction", () => {
    const learn = creditLike(1500, 3);
    const { model } = train(
      { features: {}, categorical: { city: learn.city }, labels: learn.labels },
      params,
    );
    const probabilities = model.predictProba({
      features: {},
      categorical: { city: ["nowhere", "elsewhere", "city3"] },
    });
    expect(Array.from(probabilities.slice(0, 3))).toEqual(Array.from(probabilities.slice(3, 6)));
    expect(Array.from(probabilities.slice(0, 3))).not.toEqual(Array.from(probabilities.slice(6, 9)));
    expect(probabilities.every(Number.isFinite)).toBe(true);
  });

  it("ignores a categorical column with a single learn value, with a warning", () => {
    const { model, warnings } = train(
      { features: {}, categorical: { country: ["KR", "KR", "KR", "KR"] }, labels: ["a", "b", "a", "b"] },
      { iterations: 3, loss_function: "Logloss" },
    );
    expect(warnings).toEqual(['categorical feature "country" has a single value on learn; ignored']);
    expect(model.json.trees.every((tree) => tree.splits.length === 0)).toBe(true);
    expect(model.predict({ features: {}, categorical: { country: ["KR", "US"] } })).toHaveLength(2);
  });

  it("trains CTRs for a regression target (binarized at the learn median)", () => {
    const next = rng(4);
    const group = Array.from({ length: 1200 }, () => `g${Math.floor(next() * 12)}`);
    const target = Float64Array.from(group, (value) => Number(value.slice(1)) + next() * 0.5);
    const { model, learnMetrics } = train(
      { features: {}, categorical: { group }, labels: target },
      { iterations: 80, depth: 3, learning_rate: 0.3, loss_function: "RMSE" },
    );
    expect(model.json.ctrTables[0]?.targetClasses).toBe(2);
    expect(learnMetrics.RMSE?.at(-1)).toBeLessThan(1.5);
    const restored = GbdtModel.fromJSON(JSON.stringify(model.toJSON()));
    const input = { features: {}, categorical: { group: ["g0", "g11", "g99"] } };
    expect(Array.from(restored.predictProba(input))).toEqual(Array.from(model.predictProba(input)));
  });
});
