import { describe, expect, it } from "vitest";
import { InterruptedError } from "./errors.ts";
import { withRetry } from "./retry.ts";

const transient = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });

describe("withRetry", () => {
  it("retries retryable failures with doubling delays, then succeeds", async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw transient;
        return "ok";
      },
      {
        deadlineMs: 60_000,
        initialDelayMs: 10,
        isRetryable: () => true,
        sleep: async (ms) => void delays.push(ms),
      },
    );
    expect(value).toBe("ok");
    expect(delays).toEqual([10, 20, 40]);
  });

  it("rethrows a non-retryable failure at once", async () => {
    let calls = 0;
    const failure = withRetry(
      async () => {
        calls++;
        throw new Error("access denied");
      },
      { deadlineMs: 60_000, isRetryable: () => false, sleep: async () => {} },
    );
    await expect(failure).rejects.toThrow("access denied");
    expect(calls).toBe(1);
  });

  it("gives up at the deadline", async () => {
    const started = Date.now();
    await expect(
      withRetry(
        async () => {
          throw transient;
        },
        { deadlineMs: 200, initialDelayMs: 20, isRetryable: () => true },
      ),
    ).rejects.toThrow("refused");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("stops at once when the signal aborts during a wait, with the abort's reason", async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const failure = withRetry(
      async () => {
        calls++;
        throw transient;
      },
      { deadlineMs: 60_000, initialDelayMs: 10_000, isRetryable: () => true, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new InterruptedError("interrupted by SIGTERM")), 50);
    await expect(failure).rejects.toThrow("interrupted by SIGTERM");
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
