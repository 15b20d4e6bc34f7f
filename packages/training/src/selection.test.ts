import { describe, expect, it } from "vitest";
import type { ConfigurationResult } from "./engine.ts";
import { isBetter, scoreConfiguration } from "./selection.ts";

function scored(index: number, accuracy: number[], loss: number[], bestIteration: number) {
  const result = {
    bestIteration,
    evalMetrics: { Accuracy: accuracy, MultiClassOneVsAll: loss },
  } as unknown as ConfigurationResult;
  return scoreConfiguration({ index, values: {} }, result, "MultiClassOneVsAll");
}

describe("selection", () => {
  it("scores the kept model at its best iteration, not each metric's own best", () => {
    const entry = scored(0, [0.5, 0.9, 0.7], [0.6, 0.5, 0.4], 2);
    expect(entry.accuracy).toBe(0.7);
    expect(entry.loss).toBe(0.4);
  });

  it("prefers higher accuracy, then lower loss, then the earlier configuration", () => {
    const a = scored(3, [0.8], [0.5], 0);
    const b = scored(1, [0.8], [0.4], 0);
    const c = scored(0, [0.8], [0.4], 0);
    const d = scored(5, [0.81], [0.9], 0);
    expect(isBetter(a, undefined)).toBe(true);
    expect(isBetter(b, a)).toBe(true);
    expect(isBetter(c, b)).toBe(true);
    expect(isBetter(b, c)).toBe(false);
    expect(isBetter(d, c)).toBe(true);
  });
});
