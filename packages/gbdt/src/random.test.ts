import { describe, expect, it } from "vitest";
import { mulberry32, normalSource } from "./random.ts";
import { kernel } from "./split-kernel.ts";

describe("mulberry32", () => {
  it("skips draws as though it had drawn them, so threads can draw a stream's parts", () => {
    const drawn = mulberry32(42);
    const skipped = mulberry32(42);
    for (let draw = 0; draw < 1000; draw++) drawn();
    skipped.skip(1000);
    expect(skipped.state()).toBe(drawn.state());
    expect([skipped(), skipped()]).toEqual([drawn(), drawn()]);
  });

  it("draws from a state what the stream draws there", () => {
    const stream = mulberry32(7);
    const before = stream.state();
    const draws = Array.from({ length: 5 }, () => stream());
    const fromState = draws.map((_, at) => kernel.mulberry32Draw(kernel.mulberry32Skip(before, at + 1)));
    expect(fromState).toEqual(draws);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe("normalSource", () => {
  it("skips a run of draws that the kernel's normalDraws then draws in any part, the same doubles", () => {
    for (const [before, run] of [
      [0, 7],
      [1, 6],
      [2, 1],
      [3, 0],
    ] as const) {
      const drawn = normalSource(mulberry32(11));
      const skipped = normalSource(mulberry32(11));
      for (let draw = 0; draw < before; draw++) expect(skipped()).toBe(drawn());
      const expected = Array.from({ length: run }, () => 2 * drawn());
      const start = skipped.skip(run);
      expect(Number.isNaN(start.spare)).toBe(before % 2 === 0);
      // The run in two parts, the second first, as two threads might take them.
      const out = new Float64Array(run);
      const half = run >> 1;
      kernel.normalDraws(out, half, run - half, start.state, start.spare, 2);
      kernel.normalDraws(out, 0, half, start.state, start.spare, 2);
      expect(Array.from(out)).toEqual(expected);
      // After the skip the source goes on as the one that drew.
      expect([skipped(), skipped(), skipped()]).toEqual([drawn(), drawn(), drawn()]);
    }
  });
});
