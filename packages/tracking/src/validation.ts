import { TrackingValidationError } from "./errors.ts";

/** MLflow's limits (`mlflow/utils/validation.py`), checked before anything is written or sent. */
export const MLFLOW_LIMITS = {
  /** Metric, param and tag keys (`MAX_ENTITY_KEY_LENGTH`). */
  keyLength: 250,
  /** Param values; longer ones are truncated by MLflow unless `MLFLOW_TRUNCATE_LONG_VALUES=false`. */
  paramValueLength: 6000,
  /** Run tag values; same truncation rule as params. */
  tagValueLength: 8000,
  /** Experiment tag values (an error, never truncated). */
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
} as const;

/** The run statuses a run can end with. */
export type RunEndStatus = "FINISHED" | "FAILED" | "KILLED";

/** MLflow's `RunStatus` ints, as the file store writes them in `meta.yaml`. */
export const RUN_STATUS_CODES = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;

/** What a key is used for; it appears in error messages. */
export type KeyKind = "metric" | "param" | "tag" | "experiment tag" | "model param" | "model tag";

// MLflow: re.match(r"^[/\w.\- :]*$"). Python's \w is Unicode-aware; ct keeps to the ASCII subset,
// which every MLflow version and platform (except `:` on Windows) reads.
const KEY_CHARS = /^[/A-Za-z0-9_.\- :]*$/;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;
const MODEL_ID = /^m-[0-9a-f]{32}$/;
// MLflow forbids / : . % " ' ; ct also refuses backslashes and control characters (the name is a directory).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const LOGGED_MODEL_NAME_FORBIDDEN = /[/:.%"'\\\u0000-\u001f\u007f]/;

const show = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * Throws unless `name` passes MLflow's path check: `posixpath.normpath(name) == name`, not `.`,
 * not starting with `..` or `/`. So no empty segments (`a//b`, a trailing `/`), no `.`/`..` segments.
 */
function checkPathLike(what: string, name: string): void {
  const bad =
    name.length === 0 ||
    name.startsWith("/") ||
    name.startsWith("..") ||
    name.split("/").some((segment) => segment === "" || segment === "." || segment === "..");
  if (bad) {
    throw new TrackingValidationError(
      `invalid ${what} ${show(name)}: it must be a normalized relative path (no leading '/', no '..', no empty or '.' segments)`,
    );
  }
}

/** Throws a {@link TrackingValidationError} naming `key` unless it is a valid MLflow metric/param/tag key. */
export function validateKey(kind: KeyKind, key: string): string {
  if (typeof key !== "string")
    throw new TrackingValidationError(`${kind} key must be a string, got ${typeof key}`);
  if (!KEY_CHARS.test(key)) {
    const offending = [...new Set([...key].filter((c) => !KEY_CHARS.test(c)))].join("");
    const hint = offending.includes("=") ? "; for CatBoost metric names use mlflowMetricKey()" : "";
    throw new TrackingValidationError(
      `invalid ${kind} key ${show(key)}: MLflow allows only ASCII letters, digits, '_', '-', '.', ' ', ':' and '/' (found ${JSON.stringify(offending)})${hint}`,
    );
  }
  if (key.length > MLFLOW_LIMITS.keyLength) {
    throw new TrackingValidationError(
      `invalid ${kind} key ${show(key)}: ${key.length} characters, MLflow allows at most ${MLFLOW_LIMITS.keyLength}`,
    );
  }
  checkPathLike(`${kind} key`, key);
  return key;
}

/**
 * Maps a CatBoost metric name to a valid MLflow key the way the reference pipeline did: every `=`
 * becomes a space, e.g. `F1:class=Good` → `F1:class Good`. Other characters are left alone (and
 * still validated when logged).
 */
export function mlflowMetricKey(catboostName: string): string {
  return catboostName.replaceAll("=", " ");
}

/** Throws unless `name` is a usable experiment name (non-empty, ≤ 500 characters). */
export function validateExperimentName(name: string): string {
  if (typeof name !== "string" || name.trim().length === 0) {
    throw new TrackingValidationError(
      `invalid experiment name ${show(String(name))}: it must be a non-empty string`,
    );
  }
  if (name.length > MLFLOW_LIMITS.experimentNameLength) {
    throw new TrackingValidationError(
      `invalid experiment name ${show(name)}: ${name.length} characters, MLflow allows at most ${MLFLOW_LIMITS.experimentNameLength}`,
    );
  }
  return name;
}

/** Throws unless `id` matches MLflow's experiment id rule `^[a-zA-Z0-9][\w\-]{0,63}$`. */
export function validateExperimentId(id: string): string {
  if (typeof id !== "string" || !EXPERIMENT_ID.test(id)) {
    throw new TrackingValidationError(
      `invalid experiment id ${show(String(id))}: expected ^[a-zA-Z0-9][\\w-]{0,63}$`,
    );
  }
  return id;
}

/** Throws unless `id` matches MLflow's run id rule `^[a-zA-Z0-9][\w\-]{0,255}$`. */
export function validateRunId(id: string): string {
  if (typeof id !== "string" || !RUN_ID.test(id)) {
    throw new TrackingValidationError(
      `invalid run id ${show(String(id))}: expected ^[a-zA-Z0-9][\\w-]{0,255}$`,
    );
  }
  return id;
}

/** Throws unless `id` looks like an MLflow 3 LoggedModel id (`m-` + 32 hex digits). */
export function validateModelId(id: string): string {
  if (typeof id !== "string" || !MODEL_ID.test(id)) {
    throw new TrackingValidationError(
      `invalid logged model id ${show(String(id))}: expected m-<32 hex digits>`,
    );
  }
  return id;
}

/**
 * Throws unless `name` is a valid LoggedModel name: non-empty, none of `/ : . % " '`. The same name
 * is the model's artifact path inside the run (the 2.x `runs:/<run_id>/<name>` layout).
 */
export function validateLoggedModelName(name: string): string {
  if (typeof name !== "string" || name.length === 0 || LOGGED_MODEL_NAME_FORBIDDEN.test(name)) {
    throw new TrackingValidationError(
      `invalid logged model name ${show(String(name))}: it must be non-empty and contain none of / : . % " ' \\ or control characters`,
    );
  }
  return name;
}

/** Throws unless `path` is a normalized relative artifact path such as `report.md` or `plots/cm.svg`. */
export function validateArtifactPath(path: string): string {
  if (typeof path !== "string") throw new TrackingValidationError("artifact path must be a string");
  if (path.includes("\\") || path.includes("\0")) {
    throw new TrackingValidationError(`invalid artifact path ${show(path)}: use '/' separators, no NUL`);
  }
  checkPathLike("artifact path", path);
  return path;
}

/** Throws unless `status` is one a run can end with. */
export function validateEndStatus(status: string): RunEndStatus {
  if (status !== "FINISHED" && status !== "FAILED" && status !== "KILLED") {
    throw new TrackingValidationError(
      `invalid run end status ${show(String(status))}: expected FINISHED, FAILED or KILLED`,
    );
  }
  return status;
}

/** Throws unless `ms` is an integer millisecond timestamp (MLflow parses it with Python `int()`). */
export function validateTimestamp(what: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new TrackingValidationError(
      `invalid ${what} ${String(ms)}: expected a non-negative integer of milliseconds`,
    );
  }
  return ms;
}

/** A param value as MLflow stores it: strings as-is, numbers via `String`, booleans as Python's `True`/`False`. */
export function paramValueToString(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value;
  throw new TrackingValidationError(`param value must be a string, number or boolean, got ${typeof value}`);
}

/** How over-long param/tag values are handled. */
export interface ValueLimitPolicy {
  /** Truncate (MLflow's default, `MLFLOW_TRUNCATE_LONG_VALUES=true`) instead of throwing. */
  readonly truncateLongValues: boolean;
  readonly onWarning: (message: string) => void;
}

/** Applies MLflow's value-length rule for a param or tag: truncate with a warning, or throw. */
export function limitValue(kind: KeyKind, key: string, value: string, policy: ValueLimitPolicy): string {
  if (typeof value !== "string") {
    throw new TrackingValidationError(`${kind} ${show(key)} value must be a string, got ${typeof value}`);
  }
  const max =
    kind === "param" || kind === "model param"
      ? MLFLOW_LIMITS.paramValueLength
      : kind === "experiment tag"
        ? MLFLOW_LIMITS.experimentTagValueLength
        : MLFLOW_LIMITS.tagValueLength;
  if (value.length <= max) return value;
  if (policy.truncateLongValues && kind !== "experiment tag") {
    policy.onWarning(`${kind} ${show(key)}: value of ${value.length} characters truncated to ${max}`);
    return value.slice(0, max);
  }
  throw new TrackingValidationError(
    `${kind} ${show(key)}: value of ${value.length} characters, MLflow allows at most ${max}`,
  );
}

/** A metric point with every field filled in and checked. */
export interface NormalizedMetric {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
}

/** Validates one metric point; `step` defaults to 0 and `timestamp` to `now`. NaN and ±Infinity are allowed. */
export function normalizeMetric(
  point: { key: string; value: number; step?: number; timestamp?: number },
  now: number,
): NormalizedMetric {
  const key = validateKey("metric", point.key);
  if (typeof point.value !== "number") {
    throw new TrackingValidationError(
      `metric ${show(key)} value must be a number, got ${typeof point.value}`,
    );
  }
  const step = point.step ?? 0;
  if (!Number.isSafeInteger(step)) {
    throw new TrackingValidationError(`metric ${show(key)} step ${String(step)} is not an integer`);
  }
  const timestamp = validateTimestamp(`metric ${show(key)} timestamp`, point.timestamp ?? now);
  return { key, value: point.value, step, timestamp };
}
