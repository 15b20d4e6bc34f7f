import { MlflowRestError, TrackingError } from "./errors.ts";

/** Bounded retries with exponential backoff for transient failures. */
export interface RetryPolicy {
  /** Total attempts per request, first included (default 5). */
  readonly maxAttempts: number;
  /** Delay before the 2nd attempt; doubles each time (default 500 ms). */
  readonly initialDelayMs: number;
  /** Upper bound of one delay, `Retry-After` included (default 10 s). */
  readonly maxDelayMs: number;
}

/** Defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 10_000 };

/** Options of {@link MlflowHttp}. */
export interface MlflowHttpOptions {
  /** Server URL without credentials or trailing slash, e.g. `http://127.0.0.1:5000`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` (MLflow's `MLFLOW_TRACKING_TOKEN`). */
  readonly token?: string;
  /** Sent as HTTP basic auth (MLflow's `MLFLOW_TRACKING_USERNAME`/`PASSWORD`). */
  readonly username?: string;
  readonly password?: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout (default 60 s). */
  readonly timeoutMs?: number;
  /** Called before each retry with a printable reason (never contains credentials). */
  readonly onRetry?: (message: string) => void;
  /** Injected for tests; defaults to the global `fetch` / `setTimeout`. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One REST call. `path` starts with `/api/2.0/…`. */
export interface RestRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT";
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** JSON body (sent with `Content-Type: application/json`). */
  readonly json?: unknown;
  /** Raw body (artifact uploads). */
  readonly bytes?: Uint8Array;
}

/** HTTP statuses worth another attempt: rate limiting and server-side failures. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function networkReason(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError") return "timed out";
  const code = err?.cause?.code ?? err?.cause?.message;
  return code ? `${err?.message ?? "fetch failed"} (${code})` : (err?.message ?? String(error));
}

function parseErrorBody(text: string): { errorCode: string | undefined; message: string | undefined } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      errorCode: typeof body.error_code === "string" ? body.error_code : undefined,
      message: typeof body.message === "string" ? body.message : undefined,
    };
  } catch {
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 300);
    return { errorCode: undefined, message: snippet || undefined };
  }
}

/**
 * A small MLflow REST client: auth headers, JSON in/out, bounded retries with exponential backoff
 * on connection failures, timeouts, 429 and 5xx (honouring `Retry-After`), and an
 * {@link MlflowRestError} carrying status, `error_code` and message for everything else.
 */
export class MlflowHttp {
  readonly #baseUrl: string;
  readonly #authorization: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onRetry: (message: string) => void;

  constructor(options: MlflowHttpOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    if (options.token) this.#authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined || options.password !== undefined) {
      const pair = `${options.username ?? ""}:${options.password ?? ""}`;
      this.#authorization = `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
    }
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(this.#retry.maxAttempts) || this.#retry.maxAttempts < 1) {
      throw new TrackingError(`retry.maxAttempts must be a positive integer, got ${this.#retry.maxAttempts}`);
    }
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#onRetry = options.onRetry ?? (() => undefined);
  }

  #delay(attempt: number, retryAfter: string | null): number {
    const backoff = this.#retry.initialDelayMs * 2 ** (attempt - 1);
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    const wanted = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : backoff;
    return Math.min(wanted, this.#retry.maxDelayMs);
  }

  /** Sends one request (retrying transient failures) and returns the parsed JSON response (`{}` if empty). */
  async request<T>(request: RestRequest): Promise<T> {
    const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : "";
    const label = `${request.method} ${request.path}`;
    const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "ct-tracking" };
    if (this.#authorization) headers.Authorization = this.#authorization;
    let body: string | Uint8Array | undefined;
    if (request.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.bytes !== undefined) {
      headers["Content-Type"] = "application/octet-stream";
      body = request.bytes;
    }
    const max = this.#retry.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(this.#baseUrl + request.path + query, {
          method: request.method,
          headers,
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        const reason = networkReason(error);
        if (attempt < max) {
          const wait = this.#delay(attempt, null);
          this.#onRetry(`MLflow ${label}: ${reason}; retry ${attempt}/${max - 1} in ${wait} ms`);
          await this.#sleep(wait);
          continue;
        }
        throw new MlflowRestError(
          `MLflow ${label} failed: server unreachable at ${this.#baseUrl} after ${attempt} attempt(s): ${reason}`,
          {
            request: label,
            status: undefined,
            errorCode: undefined,
            serverMessage: reason,
            attempts: attempt,
          },
          { cause: error },
        );
      }
      const text = await response.text().catch(() => "");
      if (response.ok) {
        if (text.trim() === "") return {} as T;
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw new TrackingError(`MLflow ${label}: response is not JSON: ${text.slice(0, 200)}`, {
            cause: error,
          });
        }
      }
      const { errorCode, message } = parseErrorBody(text);
      if (isTransientStatus(response.status) && attempt < max) {
        const wait = this.#delay(attempt, response.headers.get("retry-after"));
        this.#onRetry(`MLflow ${label}: HTTP ${response.status}; retry ${attempt}/${max - 1} in ${wait} ms`);
        await this.#sleep(wait);
        continue;
      }
      const parts = [`HTTP ${response.status}`, errorCode, message].filter(Boolean).join(" ");
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : "";
      throw new MlflowRestError(`MLflow ${label} failed: ${parts}${tries}`, {
        request: label,
        status: response.status,
        errorCode,
        serverMessage: message,
        attempts: attempt,
      });
    }
  }
}
