import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "@ct/step-kit";

/** Where a tracking URI points. */
export type TrackingTarget =
  | { readonly kind: "file"; readonly rootDir: string }
  | {
      readonly kind: "rest";
      /** The server URL without credentials and without a trailing slash. */
      readonly baseUrl: string;
      /** Credentials that were embedded in the URL (`http://user:pass@host`), decoded. */
      readonly username: string | undefined;
      readonly password: string | undefined;
    };

/** The default tracking location, as MLflow ≤ 3.6 used: `./mlruns` under the working directory. */
export const DEFAULT_TRACKING_DIR = "mlruns";

/**
 * Replaces credentials in a URL (`user:pass@`) with `***` so it can be printed; returns other
 * strings unchanged.
 */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, "$1***@");
}

/**
 * Resolves an `MLFLOW_TRACKING_URI` value: empty/undefined → `<cwd>/mlruns`; a path or `file://`
 * URI → the file store; `http(s)://` → the REST API. Other schemes (`sqlite:`, `postgresql:`,
 * `databricks`) are refused with a {@link UsageError}: run `mlflow server` on them and use its URL.
 */
export function parseTrackingUri(uri: string | undefined, cwd: string): TrackingTarget {
  const value = (uri ?? "").trim();
  if (value === "") return { kind: "file", rootDir: resolve(cwd, DEFAULT_TRACKING_DIR) };
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch (error) {
      throw new UsageError(`invalid tracking URI ${redactUri(value)}: not a valid URL`, { cause: error });
    }
    const username = url.username ? decodeURIComponent(url.username) : undefined;
    const password = url.password ? decodeURIComponent(url.password) : undefined;
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return { kind: "rest", baseUrl: url.href.replace(/\/+$/, ""), username, password };
  }
  if (/^file:/i.test(value)) {
    if (/^file:\/\//i.test(value)) {
      try {
        return { kind: "file", rootDir: fileURLToPath(value) };
      } catch (error) {
        throw new UsageError(`invalid tracking URI ${value}: ${(error as Error).message}`, { cause: error });
      }
    }
    return { kind: "file", rootDir: resolve(cwd, decodeURIComponent(value.slice("file:".length))) };
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(value) || value === "databricks") {
    throw new UsageError(
      `unsupported tracking URI ${redactUri(value)}: ct writes to a directory, a file:// URI or an http(s):// MLflow server (for a database backend run 'mlflow server --backend-store-uri …' and use its URL)`,
    );
  }
  return { kind: "file", rootDir: isAbsolute(value) ? value : resolve(cwd, value) };
}
