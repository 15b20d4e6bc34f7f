import { DataContractError } from "@ct/step-kit";
import { describe, expect, it } from "vitest";
import { applyScalers, parseScalers, unapplyScalers } from "./scalers.ts";

const frame = {
  numeric: { age: Float64Array.from([30, Number.NaN, 50]), other: Float64Array.from([1, 2, 3]) },
  categorical: {},
  text: {},
  rows: 3,
};

describe("scalers", () => {
  it("scales raw values, leaves unscaled features alone, and inverts exactly", () => {
    const scalers = parseScalers(JSON.stringify({ features: { age: { center: 40, scale: 8 } } }), "test");
    const scaled = applyScalers(frame, scalers);
    expect(Array.from(scaled.numeric.age ?? [])).toEqual([-1.25, Number.NaN, 1.25]);
    expect(scaled.numeric.other).toBe(frame.numeric.other);
    expect(Array.from(unapplyScalers(scaled, scalers).numeric.age ?? [])).toEqual([30, Number.NaN, 50]);
  });

  it("rejects a scaler file with NaN, zero scale or no features", () => {
    expect(() => parseScalers('{"features":{"age":{"center":1,"scale":0}}}', "s.json")).toThrow(
      /feature "age" has center 1 and scale 0/,
    );
    expect(() => parseScalers('{"features":{"age":{"center":NaN,"scale":1}}}', "s.json")).toThrow(
      DataContractError,
    );
    expect(() => parseScalers('{"features":{"age":{"center":null,"scale":1}}}', "s.json")).toThrow(
      /center null/,
    );
    expect(() => parseScalers("{}", "s.json")).toThrow(/no "features"/);
  });
});
