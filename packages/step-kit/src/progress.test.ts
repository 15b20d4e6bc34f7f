import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "./log.ts";
import { createProgress } from "./progress.ts";

function capture() {
  const lines: string[] = [];
  const logger = createLogger("t", { write: (chunk: string) => lines.push(chunk) });
  return { lines, logger };
}

describe("createProgress (plain lines)", () => {
  afterEach(() => vi.useRealTimers());

  it("prints percent, rate and ETA, and a final line", () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, logger } = capture();
    const progress = createProgress(logger, { label: "read", total: 20_000, lineIntervalMs: 0 });
    vi.setSystemTime(2000);
    progress.advance(10_000);
    progress.finish();
    expect(lines[0]).toContain("read: 50% 10.0k/20.0k rows, 5000 rows/s, ETA 2s");
    expect(lines.at(-1)).toContain("(done)");
  });

  it("shows a rate below one per second per minute", () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, logger } = capture();
    const progress = createProgress(logger, { label: "grid", total: 27, unit: "configs", lineIntervalMs: 0 });
    vi.setSystemTime(10_000);
    progress.advance(1);
    expect(lines[0]).toContain("grid: 4% 1/27 configs, 6 configs/min, ETA 260s");
  });
});
