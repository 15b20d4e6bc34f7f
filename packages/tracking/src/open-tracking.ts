import { FileStore } from "./file-store.ts";
import type { RetryPolicy } from "./rest-http.ts";
import { RestStore } from "./rest-store.ts";
import { parseTrackingUri } from "./tracking-uri.ts";
import type { TrackingClient } from "./types.ts";

/** Options of {@link openTracking}. The library never reads the environment: pass values in. */
export interface OpenTrackingOptions {
  /** `MLFLOW_TRACKING_URI`: a directory, `file://` URI or `http(s)://` URL; empty → `<cwd>/mlruns`. */
  readonly trackingUri?: string | undefined;
  /** Relative directories are resolved against this. */
  readonly cwd: string;
  /** `MLFLOW_TRACKING_TOKEN` (REST only): sent as a bearer token. */
  readonly token?: string | undefined;
  /** `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` (REST only): HTTP basic auth. */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** `user_id` / `mlflow.user`; defaults to the OS user name. */
  readonly user?: string;
  /** `mlflow.source.name`; default `ct`. */
  readonly sourceName?: string;
  /** Truncate over-long param/tag values as MLflow does (default true) or throw. */
  readonly truncateLongValues?: boolean;
  /** Warnings (truncation) and REST retry notices; never contain credentials. */
  readonly onWarning?: (message: string) => void;
  /** REST retry policy (default 5 attempts, 0.5 s doubling to ≤ 10 s). */
  readonly retry?: Partial<RetryPolicy>;
  /** REST per-request timeout in ms (default 60 s). */
  readonly timeoutMs?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/**
 * Opens the tracking backend an `MLFLOW_TRACKING_URI` names: {@link FileStore} for a directory or
 * `file://` URI (default `./mlruns`), {@link RestStore} for `http(s)://`. Other schemes are
 * refused with a UsageError.
 */
export async function openTracking(options: OpenTrackingOptions): Promise<TrackingClient> {
  const target = parseTrackingUri(options.trackingUri, options.cwd);
  const common = {
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.sourceName !== undefined ? { sourceName: options.sourceName } : {}),
    ...(options.truncateLongValues !== undefined ? { truncateLongValues: options.truncateLongValues } : {}),
    ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
  if (target.kind === "file") return FileStore.open({ rootDir: target.rootDir, ...common });
  const username = options.username ?? target.username;
  const password = options.password ?? target.password;
  return new RestStore({
    baseUrl: target.baseUrl,
    ...common,
    ...(options.token ? { token: options.token } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.onWarning !== undefined ? { onRetry: options.onWarning } : {}),
  });
}
