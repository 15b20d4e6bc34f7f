import { describe, expect, it } from "vitest";
import { TrackingValidationError } from "./errors.ts";
import { newExperimentId, newModelId, newRunId } from "./ids.ts";
import { runMetricLine } from "./metric-line.ts";
import {
  limitValue,
  mlflowMetricKey,
  normalizeMetric,
  paramValueToString,
  validateArtifactPath,
  validateExperimentId,
  validateKey,
  validateLoggedModelName,
  validateRunId,
} from "./validation.ts";

describe("MLflow key rules (spec §1.5)", () => {
  it("accepts letters, digits, _ - . space : and /", () => {
    for (const key of [
      "Accuracy",
      "F1:class Good",
      "val/auc",
      "a-b_c.d",
      "learn/MultiClassOneVsAll",
      "x".repeat(250),
    ]) {
      expect(validateKey("metric", key)).toBe(key);
    }
  });

  it("rejects = , ( % # and non-ASCII with a message naming the key and the characters", () => {
    expect(() => validateKey("metric", "F1:class=Good")).toThrow(
      "invalid metric key \"F1:class=Good\": MLflow allows only ASCII letters, digits, '_', '-', '.', ' ', ':' and '/' (found \"=\"); for CatBoost metric names use mlflowMetricKey()",
    );
    for (const key of ["a,b", "f(x)", "50%", "#1", "é", "tab\tkey", "new\nline"]) {
      expect(() => validateKey("param", key)).toThrow(TrackingValidationError);
    }
  });

  it("rejects keys that are not normalized paths and keys over 250 characters", () => {
    for (const key of ["", ".", "..", "../x", "..x", "/a", "a//b", "a/", "./a", "a/./b", "a/../b"]) {
      expect(() => validateKey("tag", key), key).toThrow(/normalized relative path/);
    }
    expect(() => validateKey("tag", "k".repeat(251))).toThrow(/251 characters, MLflow allows at most 250/);
  });

  it("maps CatBoost metric names: every = becomes a space", () => {
    expect(mlflowMetricKey("F1:class=Good")).toBe("F1:class Good");
    expect(mlflowMetricKey("Precision:class=Poor;use_weights=false")).toBe(
      "Precision:class Poor;use_weights false",
    );
    expect(mlflowMetricKey("Accuracy")).toBe("Accuracy");
  });
});

describe("ids, names and paths", () => {
  it("generates MLflow-shaped ids", () => {
    expect(newRunId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newModelId()).toMatch(/^m-[0-9a-f]{32}$/);
    for (let i = 0; i < 50; i++) {
      const id = newExperimentId();
      expect(id).toMatch(/^[1-9]\d{17}$/);
      expect(BigInt(id) < 2n ** 63n).toBe(true);
    }
  });

  it("checks run/experiment ids, logged model names and artifact paths", () => {
    expect(validateRunId(newRunId())).toHaveLength(32);
    expect(() => validateRunId("../x")).toThrow(/invalid run id "..\/x"/);
    expect(validateExperimentId("0")).toBe("0");
    expect(() => validateExperimentId("-1")).toThrow(/invalid experiment id/);
    expect(() => validateExperimentId("1".repeat(65))).toThrow();
    expect(validateLoggedModelName("credit-score_model")).toBe("credit-score_model");
    for (const name of ["a/b", "a:b", "a.b", "50%", 'a"', "a'", "", "a\\b"]) {
      expect(() => validateLoggedModelName(name)).toThrow(/invalid logged model name/);
    }
    expect(validateArtifactPath("plots/cm.svg")).toBe("plots/cm.svg");
    for (const path of ["/etc/passwd", "../x", "a//b", "a\\b", "", "a/"]) {
      expect(() => validateArtifactPath(path)).toThrow(/invalid artifact path/);
    }
  });
});

describe("values", () => {
  it("stringifies params like Python str()", () => {
    expect(paramValueToString(7)).toBe("7");
    expect(paramValueToString(0.8)).toBe("0.8");
    expect(paramValueToString(true)).toBe("True");
    expect(paramValueToString("MultiClassOneVsAll")).toBe("MultiClassOneVsAll");
  });

  it("truncates long values (MLflow's default) with a warning, or throws; experiment tags always throw", () => {
    const warnings: string[] = [];
    const policy = { truncateLongValues: true, onWarning: (m: string) => warnings.push(m) };
    expect(limitValue("param", "p", "x".repeat(6001), policy)).toHaveLength(6000);
    expect(limitValue("tag", "t", "x".repeat(8001), policy)).toHaveLength(8000);
    expect(warnings).toHaveLength(2);
    expect(() => limitValue("experiment tag", "e", "x".repeat(5001), policy)).toThrow(/at most 5000/);
    expect(() =>
      limitValue("param", "p", "x".repeat(6001), { ...policy, truncateLongValues: false }),
    ).toThrow(/param "p": value of 6001 characters, MLflow allows at most 6000/);
  });

  it("normalizes metric points: integer step/timestamp, any number value", () => {
    expect(normalizeMetric({ key: "loss", value: Number.NaN }, 42)).toEqual({
      key: "loss",
      value: Number.NaN,
      step: 0,
      timestamp: 42,
    });
    expect(() => normalizeMetric({ key: "loss", value: 1, step: 1.5 }, 42)).toThrow(
      /step 1.5 is not an integer/,
    );
    expect(() => normalizeMetric({ key: "loss", value: 1, timestamp: 1.5 }, 42)).toThrow(/timestamp/);
    expect(() => normalizeMetric({ key: "loss", value: "1" as unknown as number }, 42)).toThrow(
      /must be a number/,
    );
  });

  it("formats metric lines as '<int ts> <float> <int step>\\n'", () => {
    const line = (value: number): string =>
      runMetricLine({ key: "k", value, step: 3, timestamp: 1700000000000 });
    expect(line(0.5)).toBe("1700000000000 0.5 3\n");
    expect(line(1)).toBe("1700000000000 1 3\n");
    expect(line(Number.NaN)).toBe("1700000000000 NaN 3\n");
    expect(line(Number.POSITIVE_INFINITY)).toBe("1700000000000 Infinity 3\n");
    expect(line(1e-7)).toBe("1700000000000 1e-7 3\n");
  });
});
