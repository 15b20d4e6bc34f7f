import { describe, expect, it } from "vitest";
import { mulberry32 } from "./random.ts";
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
