export interface RetryOptions {
  /** Give up once this many milliseconds have passed since the first attempt. */
  deadlineMs: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Whether a failure is worth another attempt; others are rethrown at once. */
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
    sleep = defaultSleep,
  } = options;
  const started = Date.now();
  let delay = initialDelayMs;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const remaining = deadlineMs - (Date.now() - started);
      if (!isRetryable(error) || remaining <= 0) throw error;
      const wait = Math.min(delay, maxDelayMs, remaining);
      onRetry?.(error, attemptNumber, wait);
      await sleep(wait);
      delay *= 2;
    }
  }
}
