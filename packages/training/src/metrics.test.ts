import { describe, expect, it } from "vitest";
import { argmaxLabels, bestScores, classificationReport, isMaximized, scoresAt } from "./metrics.ts";

describe("metrics", () => {
  it("computes the confusion matrix and CatBoost-convention precision/recall/F1 by hand", () => {
    const actual = ["a", "a", "a", "b", "b", "c"];
    const predicted = ["a", "a", "b", "b", "a", "a"];
    const report = classificationReport(actual, predicted, ["a", "b", "c"]);
    expect(report.matrix).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    expect(report.accuracy).toBeCloseTo(3 / 6, 12);
    const [a, b, c] = report.perClass;
    expect(a).toMatchObject({ precision: 2 / 4, recall: 2 / 3, support: 3 });
    expect(a?.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 12);
    expect(b).toMatchObject({ precision: 1 / 2, recall: 1 / 2, f1: 0.5 });
    // Never predicted: precision is 1 by CatBoost's convention; recall 0; F1 0.
    expect(c).toMatchObject({ precision: 1, recall: 0, f1: 0, support: 1 });
  });

  it("takes the first maximum on ties", () => {
    expect(argmaxLabels(Float64Array.from([0.2, 0.5, 0.5, 0.9, 0.1, 0.0]), ["x", "y", "z"])).toEqual([
      "y",
      "x",
    ]);
  });

  it("knows which metrics are maximized and finds each one's best and the value at an iteration", () => {
    expect(isMaximized("Accuracy")).toBe(true);
    expect(isMaximized("F1:class=Good")).toBe(true);
    expect(isMaximized("TotalF1")).toBe(true);
    expect(isMaximized("MultiClassOneVsAll")).toBe(false);
    const curves = { MultiClassOneVsAll: [0.6, 0.4, 0.5], Accuracy: [0.5, 0.7, 0.8] };
    expect(bestScores(curves)).toEqual({ MultiClassOneVsAll: 0.4, Accuracy: 0.8 });
    expect(scoresAt(curves, 1)).toEqual({ MultiClassOneVsAll: 0.4, Accuracy: 0.7 });
  });
});
