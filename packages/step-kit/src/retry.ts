import { throwIfInterrupted } from "./errors.ts";

export interface RetryOptions {
  /** Give up once this many milliseconds have passed since the first attempt. */
  deadlineMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Whether a failure is worth another attempt; others are rethrown at once. */
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Stops the retries: an abort during a wait or an attempt throws its reason (InterruptedError, exit 130). */
  signal?: AbortSignal;
}

/** A wait that an abort ends early (then resolves; the caller checks the signal). */
function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, or the deadline would pass.
 * Delays double from `initialDelayMs` up to `maxDelayMs` (bounded exponential backoff).
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const {
    deadlineMs,
    initialDelayMs = 250,
    maxDelayMs = 4000,
    isRetryable,
    onRetry,
    signal,
    sleep = (ms: number) => waitFor(ms, signal),
  } = options;
  const started = Date.now();
  let delay = initialDelayMs;
  for (let attemptNumber = 1; ; attemptNumber++) {
    throwIfInterrupted(signal);
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      // Interrupted while an attempt was failing: the interruption is what happened.
      throwIfInterrupted(signal);
      const remaining = deadlineMs - (Date.now() - started);
      if (!isRetryable(error) || remaining <= 0) throw error;
      const wait = Math.min(delay, maxDelayMs, remaining);
      onRetry?.(error, attemptNumber, wait);
      await sleep(wait);
      throwIfInterrupted(signal);
      delay *= 2;
    }
  }
}
