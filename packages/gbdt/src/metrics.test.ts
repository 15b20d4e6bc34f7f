import { describe, expect, it } from "vitest";
import { evaluateMetrics, metricNameWithClass, resolveMetrics } from "./metrics.ts";
import { creditLike } from "./test-data.ts";
import { type IterationInfo, train } from "./train.ts";

const CLASSES = ["Good", "Poor", "Standard"];

/** Raw outputs whose argmax is `predicted` (one row per entry). */
const rawFor = (predicted: number[], outputs = 3) =>
  Float64Array.from({ length: predicted.length * outputs }, (_, at) =>
    at % outputs === predicted[Math.floor(at / outputs)] ? 1 : -1,
  );

describe("metrics", () => {
  it("names metrics as CatBoost prints them", () => {
    const names = resolveMetrics(
      ["MultiClassOneVsAll", "F1", "Accuracy", "TotalF1", "TotalF1:average=Macro", "F1:class=Poor"],
      "MultiClassOneVsAll",
      CLASSES,
      "custom_metric",
    ).map((metric) => metric.name);
    expect(names).toEqual([
      "MultiClassOneVsAll",
      "F1:class=0",
      "F1:class=1",
      "F1:class=2",
      "Accuracy",
      "TotalF1",
      "TotalF1:average=Macro",
    ]);
    expect(resolveMetrics(["F1"], "Logloss", ["no", "yes"], "custom_metric").map((m) => m.name)).toEqual([
      "F1",
    ]);
    expect(metricNameWithClass("F1:class=0", CLASSES)).toBe("F1:class=Good");
    expect(metricNameWithClass("Accuracy", CLASSES)).toBe("Accuracy");
  });

  it("computes Accuracy, F1 per class and TotalF1 like a hand count", () => {
    const target = Float64Array.of(0, 0, 1, 1, 2, 2, 0);
    const predicted = [0, 1, 1, 1, 2, 0, 0];
    const metrics = resolveMetrics(
      ["Accuracy", "F1", "TotalF1", "TotalF1:average=Macro", "TotalF1:average=Micro"],
      "MultiClass",
      CLASSES,
      "custom_metric",
    );
    const values = Object.fromEntries(
      evaluateMetrics(metrics, rawFor(predicted), target, 3).map((value, index) => [
        metrics[index]?.name,
        value,
      ]),
    );
    // Class 0: TP 2, predicted 3, actual 3 → P = R = 2/3. Class 1: TP 2, predicted 3, actual 2 →
    // P 2/3, R 1 → F1 0.8. Class 2: TP 1, predicted 1, actual 2 → P 1, R 1/2 → F1 2/3.
    expect(values.Accuracy).toBeCloseTo(5 / 7, 12);
    expect(values["F1:class=0"]).toBeCloseTo(2 / 3, 12);
    expect(values["F1:class=1"]).toBeCloseTo(0.8, 12);
    expect(values["F1:class=2"]).toBeCloseTo(2 / 3, 12);
    expect(values.TotalF1).toBeCloseTo((3 * (2 / 3) + 2 * 0.8 + 2 * (2 / 3)) / 7, 12);
    expect(values["TotalF1:average=Macro"]).toBeCloseTo((2 / 3 + 0.8 + 2 / 3) / 3, 12);
    expect(values["TotalF1:average=Micro"]).toBeCloseTo(5 / 7, 12);
  });

  it("follows CatBoost's conventions for absent classes and binary models", () => {
    // Class 2 neither occurs nor is predicted: precision and recall default to 1.
    const metrics = resolveMetrics(["F1", "TotalF1"], "MultiClass", CLASSES, "custom_metric");
    const values = evaluateMetrics(metrics, rawFor([0, 1, 1]), Float64Array.of(0, 0, 1), 3);
    // Class 0: P 1, R 1/2; class 1: P 1/2, R 1; class 2: P = R = 1 by convention (TotalF1 weight 0).
    [2 / 3, 2 / 3, 1, 2 / 3].forEach((expected, index) => {
      expect(values[index]).toBeCloseTo(expected, 12);
    });
    // Logloss: one raw output, class 1 when raw > 0; F1 is the positive class's.
    const binary = resolveMetrics(["Logloss", "F1", "Accuracy"], "Logloss", ["no", "yes"], "custom_metric");
    const raw = Float64Array.of(2, -1, 0.5, -3);
    const [logloss, f1, accuracy] = evaluateMetrics(binary, raw, Float64Array.of(1, 1, 0, 0), 1);
    expect(f1).toBeCloseTo(0.5, 12);
    expect(accuracy).toBe(0.5);
    const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
    expect(logloss).toBeCloseTo(
      -(
        Math.log(sigmoid(2)) +
        Math.log(sigmoid(-1)) +
        Math.log(1 - sigmoid(0.5)) +
        Math.log(1 - sigmoid(-3))
      ) / 4,
      12,
    );
    const losses = resolveMetrics(
      ["MultiClass", "MultiClassOneVsAll"],
      "MultiClass",
      CLASSES,
      "custom_metric",
    );
    expect(evaluateMetrics(losses, new Float64Array(3), Float64Array.of(1), 3)).toEqual([
      Math.log(3),
      Math.log(2),
    ]);
  });

  it.each([
    [["Foo"], "MultiClass", 'invalid custom_metric "Foo": unknown metric "Foo"'],
    [["Accuracy"], "RMSE", "Accuracy needs a classification loss"],
    [["Logloss"], "MultiClass", "Logloss needs a binary Logloss model"],
    [["F1:class=Average"], "MultiClass", 'class "Average" is neither a class index nor a class'],
    [["TotalF1:average=Mean"], "MultiClass", 'TotalF1 average "Mean" is not one of Weighted, Macro, Micro'],
    [["Accuracy:border=0.3"], "MultiClass", 'metric Accuracy has no parameter "border"'],
  ] as const)("rejects %j for %s", (names, loss, message) => {
    expect(() => resolveMetrics(names, loss, CLASSES, "custom_metric")).toThrow(message);
  });
});

describe("metrics in training", () => {
  const learn = creditLike(1500, 7);
  const test = creditLike(800, 8);
  const pick = (part: typeof learn) => ({
    features: { x: part.x, z: part.z },
    categorical: { city: part.city },
    labels: part.labels,
  });

  it("reports the loss and custom metrics per iteration on learn and eval, and the best scores", () => {
    const seen: IterationInfo[] = [];
    const result = train(
      pick(learn),
      {
        iterations: 40,
        depth: 3,
        learning_rate: 0.3,
        loss_function: "MultiClassOneVsAll",
        custom_metric: ["F1", "Accuracy", "TotalF1:hints=skip_train~true"],
        use_best_model: false,
      },
      { eval: pick(test), onIteration: (info) => seen.push(info) },
    );
    const names = ["MultiClassOneVsAll", "F1:class=0", "F1:class=1", "F1:class=2", "Accuracy"];
    expect(Object.keys(result.learnMetrics)).toEqual(names);
    expect(Object.keys(result.evalMetrics ?? {})).toEqual([...names, "TotalF1"]);
    expect(seen).toHaveLength(40);
    expect(seen[39]?.eval?.Accuracy).toBe(result.evalMetrics?.Accuracy?.[39]);
    expect(seen[5]?.learn["F1:class=1"]).toBe(result.learnMetrics["F1:class=1"]?.[5]);
    // The values at the end are what the model gives on the eval data.
    const final = result.model.evalMetrics(pick(test), ["MultiClassOneVsAll", "F1", "Accuracy", "TotalF1"]);
    for (const [name, value] of Object.entries(final))
      expect(result.evalMetrics?.[name]?.at(-1)).toBeCloseTo(value, 12);
    // Best scores are each metric's own best.
    expect(result.bestScores.eval?.Accuracy).toBe(Math.max(...(result.evalMetrics?.Accuracy ?? [])));
    expect(result.bestScores.eval?.MultiClassOneVsAll).toBe(
      Math.min(...(result.evalMetrics?.MultiClassOneVsAll ?? [])),
    );
  });

  it("stops early and picks the best iteration by eval_metric", () => {
    const result = train(
      pick(learn),
      {
        iterations: 300,
        depth: 6,
        learning_rate: 0.5,
        loss_function: "MultiClass",
        eval_metric: "Accuracy",
        od_wait: 15,
      },
      { eval: pick(test) },
    );
    const accuracy = result.evalMetrics?.Accuracy ?? [];
    expect(accuracy.length).toBe(result.bestIteration + 16);
    expect(accuracy.indexOf(Math.max(...accuracy))).toBe(result.bestIteration);
    expect(result.model.json.trees).toHaveLength(result.bestIteration + 1);
  });

  it("rejects an eval_metric that expands to several metrics", () => {
    expect(() => train(pick(learn), { iterations: 1, eval_metric: "F1" })).toThrow(
      "it expands to 3 metrics (F1:class=0, F1:class=1, F1:class=2); name one of them or use TotalF1",
    );
  });
});
