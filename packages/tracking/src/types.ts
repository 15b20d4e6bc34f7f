import type { ModelSignature } from "./mlmodel.ts";
import type { RunEndStatus } from "./validation.ts";
import type { YamlMapping } from "./yaml-text.ts";

/** A param value; numbers are stored via `String`, booleans as `True`/`False` (Python's `str`). */
export type ParamValue = string | number | boolean;

/** One metric point. Learning curves are one point per step under the same key. */
export interface MetricPoint {
  /** A valid MLflow key; map CatBoost names with {@link mlflowMetricKey} first. */
  readonly key: string;
  /** Any number, NaN and ±Infinity included. */
  readonly value: number;
  /** Integer step (iteration); defaults to 0. */
  readonly step?: number;
  /** Integer milliseconds since the epoch; defaults to the client's clock. */
  readonly timestamp?: number;
}

/** Params, metrics and tags logged together (the REST client sends them as few `log-batch` calls as the limits allow). */
export interface LogBatch {
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly metrics?: readonly MetricPoint[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** Arguments of {@link TrackingClient.createRun}. */
export interface CreateRunOptions {
  readonly experimentId: string;
  /** Shown in the MLflow UI; also written as the `mlflow.runName` tag. */
  readonly runName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Integer ms; defaults to the client's clock. */
  readonly startTime?: number;
}

/** Artifact content: bytes, UTF-8 text, or a local file to copy. */
export type ArtifactContent = Uint8Array | string | { readonly file: string };

/** Arguments of {@link TrackingClient.logModel}. */
export interface LogModelOptions {
  /**
   * The LoggedModel name and the model's artifact path in the run (`runs:/<run>/<name>`).
   * No `/ : . % " '`. Defaults to `model`.
   */
  readonly name?: string;
  /** MLmodel `flavors`, e.g. from {@link catboostFlavors}. At least one. */
  readonly flavors: Readonly<Record<string, YamlMapping>>;
  /** The input (and optionally output) signature written into MLmodel. */
  readonly signature: ModelSignature;
  /** Files stored beside MLmodel, by relative path (e.g. `model.cb`, `conda.yaml`). */
  readonly files: Readonly<Record<string, ArtifactContent>>;
  /** LoggedModel params (3.x only). */
  readonly params?: Readonly<Record<string, ParamValue>>;
  /** LoggedModel tags (3.x only). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Metrics recorded on the LoggedModel (3.x only), e.g. the best validation scores. */
  readonly metrics?: readonly MetricPoint[];
  /** The run step the model belongs to (run → model link); default 0. */
  readonly step?: number;
  /** LoggedModel `model_type`; default none. */
  readonly modelType?: string;
  /** `mlflow_version` written in MLmodel; must be a parseable version. Default `3.6.0`. */
  readonly mlflowVersion?: string;
}

/** Where a logged model can be found. */
export interface LoggedModelInfo {
  /** The MLflow 3 LoggedModel id (`m-…`), or `undefined` when the server has no LoggedModel API (2.x). */
  readonly modelId: string | undefined;
  /** `models:/m-…` for MLflow 3 readers, when a LoggedModel was created. */
  readonly modelUri: string | undefined;
  /** `runs:/<run_id>/<name>`, readable by MLflow 2.x and 3.x. */
  readonly runModelUri: string;
}

/**
 * ct's MLflow tracking client. Two backends implement it: the local file store and the REST API.
 * All names and values are checked against MLflow's rules before anything is written or sent.
 * One run should be written by one client at a time; any number of clients (threads or
 * processes) may create runs in the same experiment concurrently.
 */
export interface TrackingClient {
  /** `file` or `rest`. */
  readonly backend: "file" | "rest";
  /** The tracking URI with any credentials masked; safe to print. */
  readonly displayUri: string;
  /** The id of the active experiment with this name, or `undefined`. */
  getExperimentByName(name: string): Promise<string | undefined>;
  /** Creates an experiment; fails if one with this name exists. Returns its id. */
  createExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string>;
  /** The id of the experiment with this name, creating it if needed (safe under concurrency). */
  getOrCreateExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string>;
  /** Starts a run (status RUNNING) and returns its id (32 hex digits). */
  createRun(options: CreateRunOptions): Promise<string>;
  /** Logs params; re-logging a key with a different value is an error (params are immutable). */
  logParams(runId: string, params: Readonly<Record<string, ParamValue>>): Promise<void>;
  /** Logs metric points (step + timestamp each). */
  logMetrics(runId: string, metrics: readonly MetricPoint[]): Promise<void>;
  /** Sets run tags (overwrites). */
  setTags(runId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  /** Logs params, metrics and tags together. */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  /** Stores one artifact at `relativePath` under the run's artifact root. */
  logArtifact(runId: string, relativePath: string, content: ArtifactContent): Promise<void>;
  /** Logs an MLflow model readable by MLflow 2.x (`runs:/`) and 3.x (LoggedModel, `models:/`). */
  logModel(runId: string, options: LogModelOptions): Promise<LoggedModelInfo>;
  /** Ends a run with a final status; `endTime` defaults to the client's clock. */
  endRun(runId: string, status: RunEndStatus, endTime?: number): Promise<void>;
}
