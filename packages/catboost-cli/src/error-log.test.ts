import { describe, expect, it } from "vitest";
import {
  bestIterationOf,
  bestScoresOf,
  type FitSummary,
  findMetricColumn,
  isHigherBetter,
  metricNameWithClass,
  metricsWithClassNames,
  parseCatboostNumber,
  parseErrorFile,
  parseFeatureImportance,
  readSummaryLine,
} from "./error-log.ts";
import { CatboostOutputError } from "./errors.ts";

/**
 * test_error.tsv of the target configuration in the documented format (§7.4): header
 * `iter\t<metric>…` with the metric names of §3, one row per iteration (0-based), values as
 * CatBoost's streams print doubles. The eval loss is best at iteration 3 (and ties at 5).
 */
const TEST_ERROR = [
  "iter\tMultiClassOneVsAll\tF1:class=0\tF1:class=1\tF1:class=2\tAccuracy",
  "0\t0.5907126385\t0.4117647059\t0.6153846154\t0.7272727273\t0.6428571429",
  "1\t0.5112430927\t0.5\t0.6666666667\t0.75\t0.6785714286",
  "2\t0.4702215398\tnan\t0.7\t0.7826086957\t0.7142857143",
  "3\t0.4498763021\t0.6\t0.7272727273\t0.8\t0.75",
  "4\t0.4512307611\t0.6666666667\t0.7\t0.8333333333\t0.7857142857",
  "5\t0.4498763021\t0.6153846154\t0.6956521739\t0.8\t0.7857142857",
  "6\t0.4601239877\t0.5714285714\t0.6666666667\t0.7692307692\t0.75",
  "",
].join("\n");

const LEARN_ERROR = [
  "iter\tMultiClassOneVsAll\tF1:class=0\tF1:class=1\tF1:class=2\tAccuracy",
  "0\t0.6001\t0.4\t0.6\t0.7\t0.6",
  "1\t0.5012\t0.5\t0.65\t0.72\t0.66",
  "2\t4.5e-01\t0.55\t0.7\t0.75\t0.7",
].join("\r\n");

describe("parseErrorFile", () => {
  it("reads learn_error.tsv / test_error.tsv in the documented format", () => {
    const log = parseErrorFile(TEST_ERROR);
    expect(log.iterations).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Object.keys(log.metrics)).toEqual([
      "MultiClassOneVsAll",
      "F1:class=0",
      "F1:class=1",
      "F1:class=2",
      "Accuracy",
    ]);
    expect(log.metrics.MultiClassOneVsAll?.[3]).toBe(0.4498763021);
    expect(log.metrics["F1:class=0"]?.[2]).toBeNaN();
    expect(log.metrics.Accuracy).toHaveLength(7);
    const learn = parseErrorFile(LEARN_ERROR);
    expect(learn.metrics.MultiClassOneVsAll).toEqual([0.6001, 0.5012, 0.45]);
  });

  it("reads a log written every metric_period iterations (the last one included)", () => {
    const log = parseErrorFile("iter\tLogloss\n0\t0.69\n5\t0.4\n10\t0.35\n12\t0.36\n");
    expect(log.iterations).toEqual([0, 5, 10, 12]);
    expect(bestIterationOf(log, "Logloss")).toEqual({ iteration: 10, value: 0.35, metric: "Logloss" });
  });

  it("rejects files that are not error logs", () => {
    expect(() => parseErrorFile("")).toThrow(CatboostOutputError);
    expect(() => parseErrorFile("iteration\tLogloss\n0\t1\n")).toThrow(/header must be/);
    expect(() => parseErrorFile("iter\tLogloss\tAccuracy\n0\t1\n")).toThrow(
      "CatBoost error log line 2 has 2 columns, expected 3",
    );
    expect(() => parseErrorFile("iter\tLogloss\n0\tabc\n")).toThrow(/Logloss is not a number/);
    expect(() => parseErrorFile("iter\tLogloss\n-1\t0.5\n")).toThrow(/bad iteration/);
  });

  it("keeps the first column of a metric named twice", () => {
    const log = parseErrorFile("iter\tLogloss\tLogloss\n0\t1\t2\n");
    expect(log.metrics).toEqual({ Logloss: [1] });
  });

  it("parses the number spellings of CatBoost's output streams", () => {
    expect(parseCatboostNumber("0.25")).toBe(0.25);
    expect(parseCatboostNumber("1e-05")).toBe(1e-5);
    expect(parseCatboostNumber("-nan")).toBeNaN();
    expect(parseCatboostNumber("inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseCatboostNumber("-inf")).toBe(Number.NEGATIVE_INFINITY);
    expect(parseCatboostNumber("x")).toBeUndefined();
    expect(parseCatboostNumber("")).toBeUndefined();
  });
});

describe("best iteration and scores", () => {
  it("takes the first strict minimum of the eval loss from test_error.tsv (TErrorTracker)", () => {
    const log = parseErrorFile(TEST_ERROR);
    expect(bestIterationOf(log, "MultiClassOneVsAll")).toEqual({
      iteration: 3,
      value: 0.4498763021,
      metric: "MultiClassOneVsAll",
    });
    // without a metric: the first column, which is the eval metric CatBoost logs first
    expect(bestIterationOf(log).iteration).toBe(3);
  });

  it("maximises accuracy-like metrics, ignores NaN and finds a metric written with parameters", () => {
    const log = parseErrorFile(TEST_ERROR);
    expect(bestIterationOf(log, "Accuracy")).toEqual({
      iteration: 4,
      value: 0.7857142857,
      metric: "Accuracy",
    });
    expect(bestIterationOf(log, "F1:class=0").iteration).toBe(4);
    expect(findMetricColumn(log, "MultiClassOneVsAll:use_weights=false")).toBe("MultiClassOneVsAll");
    expect(() => bestIterationOf(log, "Logloss")).toThrow(/metric "Logloss" is not in the error log/);
    expect(() => bestIterationOf(parseErrorFile("iter\tLogloss\n0\tnan\n"), "Logloss")).toThrow(
      /no value of Logloss/,
    );
  });

  it("gives each metric's own best like get_best_score()", () => {
    expect(bestScoresOf(parseErrorFile(TEST_ERROR))).toEqual({
      MultiClassOneVsAll: 0.4498763021,
      "F1:class=0": 0.6666666667,
      "F1:class=1": 0.7272727273,
      "F1:class=2": 0.8333333333,
      Accuracy: 0.7857142857,
    });
  });

  it("knows which metrics are maximised", () => {
    for (const metric of [
      "Accuracy",
      "F1:class=2",
      "TotalF1:average=Macro",
      "AUC",
      "Precision:class=1",
      "MCC",
    ])
      expect(isHigherBetter(metric), metric).toBe(true);
    for (const metric of ["MultiClassOneVsAll", "MultiClass", "Logloss", "RMSE", "HammingLoss", "Focal"])
      expect(isHigherBetter(metric), metric).toBe(false);
  });
});

describe("metric names", () => {
  it("CatBoost writes class indices; class labels only on request", () => {
    const classes = ["Good", "Poor", "Standard"];
    expect(metricNameWithClass("F1:class=0", classes)).toBe("F1:class=Good");
    expect(metricNameWithClass("F1:class=2", classes)).toBe("F1:class=Standard");
    expect(metricNameWithClass("F1:class=3", classes)).toBe("F1:class=3");
    expect(metricNameWithClass("Accuracy", classes)).toBe("Accuracy");
    expect(Object.keys(metricsWithClassNames(parseErrorFile(TEST_ERROR).metrics, classes))).toEqual([
      "MultiClassOneVsAll",
      "F1:class=Good",
      "F1:class=Poor",
      "F1:class=Standard",
      "Accuracy",
    ]);
  });
});

describe("other train-dir outputs", () => {
  it("reads a regular feature-importance file (<score>\\t<feature>)", () => {
    expect(parseFeatureImportance("41.5\tannual_income\n30\toccupation\n0\ttype_of_loan\n")).toEqual({
      annual_income: 41.5,
      occupation: 30,
      type_of_loan: 0,
    });
    expect(() => parseFeatureImportance("41.5 annual_income\n")).toThrow(CatboostOutputError);
  });

  it("reads bestTest / bestIteration / Shrink lines of the console output", () => {
    const summary: FitSummary = {};
    for (const line of [
      "50:\tlearn: 0.41\ttest: 0.45\tbest: 0.44 (3)\ttotal: 1.2s\tremaining: 40s",
      "Stopped by overfitting detector  (50 iterations wait)",
      "",
      "bestTest = 0.4498763021",
      "bestIteration = 3",
      "",
      "Shrink model to first 4 iterations.",
    ])
      readSummaryLine(line, summary);
    expect(summary).toEqual({ bestTest: 0.4498763021, bestIteration: 3, shrunkTo: 4 });
  });
});
