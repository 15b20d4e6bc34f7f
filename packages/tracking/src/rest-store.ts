import { readFile } from "node:fs/promises";
import { normalizeBatch, normalizeParams, normalizeTags } from "./batch.ts";
import { MlflowRestError, TrackingError, TrackingValidationError } from "./errors.ts";
import { defaultUser } from "./file-store.ts";
import { newRunId } from "./ids.ts";
import { appendLogModelHistory, buildMlmodel, logModelHistoryEntry } from "./mlmodel.ts";
import { splitLogBatch } from "./rest-batches.ts";
import { MlflowHttp, type MlflowHttpOptions } from "./rest-http.ts";
import { redactUri } from "./tracking-uri.ts";
import type {
  ArtifactContent,
  CreateRunOptions,
  LogBatch,
  LoggedModelInfo,
  LogModelOptions,
  MetricPoint,
  ParamValue,
  TrackingClient,
} from "./types.ts";
import {
  limitValue,
  type RunEndStatus,
  type ValueLimitPolicy,
  validateArtifactPath,
  validateEndStatus,
  validateExperimentId,
  validateExperimentName,
  validateLoggedModelName,
  validateRunId,
  validateTimestamp,
} from "./validation.ts";
import { toYaml } from "./yaml-text.ts";

/** Options of {@link RestStore}. */
export interface RestStoreOptions extends Omit<MlflowHttpOptions, "baseUrl"> {
  /** The tracking server URL, e.g. `http://127.0.0.1:5000` (credentials in it are moved to basic auth). */
  readonly baseUrl: string;
  /** `user_id` and the `mlflow.user` tag; defaults to the OS user name. */
  readonly user?: string;
  /** The `mlflow.source.name` tag; default `ct`. */
  readonly sourceName?: string;
  readonly now?: () => number;
  readonly truncateLongValues?: boolean;
  readonly onWarning?: (message: string) => void;
}

const API = "/api/2.0/mlflow";
const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";

interface RunInfoJson {
  run_id?: string;
  run_uuid?: string;
  experiment_id?: string | number;
  artifact_uri?: string;
}
interface RunJson {
  run?: { info?: RunInfoJson; data?: { tags?: { key: string; value: string }[] } };
}
interface ExperimentJson {
  experiment?: { experiment_id?: string | number; lifecycle_stage?: string };
}
interface LoggedModelJson {
  model?: { info?: { model_id?: string; artifact_uri?: string } };
}

/**
 * The path below the artifacts proxy for an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/abc/artifacts`
 * or `mlflow-artifacts://host:port/1/abc/artifacts` → `1/abc/artifacts`), or `undefined` for other
 * schemes (`s3://`, `file://`, …), which the proxy cannot write.
 */
export function proxyArtifactPath(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?(\/.*)?$/.exec(artifactUri);
  if (!match) return undefined;
  return (match[1] ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
}

const encodePath = (path: string): string =>
  path.split("/").filter(Boolean).map(encodeURIComponent).join("/");

/**
 * MLflow's REST API 2.0 (spec §3): experiments, runs, `log-batch` split within the API limits,
 * artifact upload through the `mlflow-artifacts` proxy, and MLflow 3 LoggedModels (with a fallback
 * to the 2.x `runs:/` model layout when the server has no LoggedModel endpoints). Works against
 * any MLflow server version and backend store.
 */
export class RestStore implements TrackingClient {
  readonly backend = "rest" as const;
  readonly displayUri: string;
  readonly #http: MlflowHttp;
  readonly #user: string;
  readonly #sourceName: string;
  readonly #now: () => number;
  readonly #policy: ValueLimitPolicy;
  readonly #runs = new Map<string, { experimentId: string; artifactUri: string }>();

  constructor(options: RestStoreOptions) {
    const url = new URL(options.baseUrl);
    const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = "";
    url.password = "";
    const baseUrl = url.href.replace(/\/+$/, "");
    this.displayUri = redactUri(baseUrl);
    this.#http = new MlflowHttp({ ...options, baseUrl, username, password });
    this.#user = options.user ?? defaultUser();
    this.#sourceName = options.sourceName ?? "ct";
    this.#now = options.now ?? Date.now;
    this.#policy = {
      truncateLongValues: options.truncateLongValues ?? true,
      onWarning: options.onWarning ?? (() => undefined),
    };
  }

  async getExperimentByName(name: string): Promise<string | undefined> {
    validateExperimentName(name);
    try {
      const body = await this.#http.request<ExperimentJson>({
        method: "GET",
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name },
      });
      const experiment = body.experiment;
      if (!experiment || experiment.experiment_id === undefined || experiment.lifecycle_stage === "deleted") {
        return undefined;
      }
      return String(experiment.experiment_id);
    } catch (error) {
      if (
        error instanceof MlflowRestError &&
        (error.errorCode === "RESOURCE_DOES_NOT_EXIST" || error.status === 404)
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async createExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string> {
    validateExperimentName(name);
    const checkedTags = normalizeTags(tags, this.#policy, "experiment tag");
    const body = await this.#http.request<{ experiment_id?: string | number }>({
      method: "POST",
      path: `${API}/experiments/create`,
      json: checkedTags.length > 0 ? { name, tags: checkedTags } : { name },
    });
    if (body.experiment_id === undefined) {
      throw new TrackingError(
        `MLflow experiments/create returned no experiment_id for ${JSON.stringify(name)}`,
      );
    }
    return String(body.experiment_id);
  }

  async getOrCreateExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing !== undefined) return existing;
    try {
      return await this.createExperiment(name, tags);
    } catch (error) {
      // Another client created it between our two calls.
      if (error instanceof MlflowRestError && error.errorCode === "RESOURCE_ALREADY_EXISTS") {
        const raced = await this.getExperimentByName(name);
        if (raced !== undefined) return raced;
      }
      throw error;
    }
  }

  async createRun(options: CreateRunOptions): Promise<string> {
    const experimentId = validateExperimentId(options.experimentId);
    const runName = options.runName ?? "";
    if (typeof runName !== "string") throw new TrackingValidationError("runName must be a string");
    const startTime = validateTimestamp("run start time", options.startTime ?? this.#now());
    const standard: Record<string, string> = {
      "mlflow.user": this.#user,
      "mlflow.source.name": this.#sourceName,
      "mlflow.source.type": "LOCAL",
    };
    if (runName) standard["mlflow.runName"] = runName;
    const tags = normalizeTags({ ...standard, ...options.tags }, this.#policy);
    const json: Record<string, unknown> = {
      experiment_id: experimentId,
      user_id: this.#user,
      start_time: startTime,
      tags,
    };
    if (runName) json.run_name = runName;
    const body = await this.#http.request<RunJson>({ method: "POST", path: `${API}/runs/create`, json });
    const info = body.run?.info;
    const runId = info?.run_id ?? info?.run_uuid;
    if (!runId) throw new TrackingError("MLflow runs/create returned no run id");
    this.#runs.set(runId, { experimentId, artifactUri: info?.artifact_uri ?? "" });
    return runId;
  }

  async #runInfo(runId: string): Promise<{ experimentId: string; artifactUri: string }> {
    validateRunId(runId);
    const cached = this.#runs.get(runId);
    if (cached?.artifactUri) return cached;
    const body = await this.#http.request<RunJson>({
      method: "GET",
      path: `${API}/runs/get`,
      query: { run_id: runId },
    });
    const info = body.run?.info;
    const found = { experimentId: String(info?.experiment_id ?? ""), artifactUri: info?.artifact_uri ?? "" };
    this.#runs.set(runId, found);
    return found;
  }

  logParams(runId: string, params: Readonly<Record<string, ParamValue>>): Promise<void> {
    return this.logBatch(runId, { params });
  }

  logMetrics(runId: string, metrics: readonly MetricPoint[]): Promise<void> {
    return this.logBatch(runId, { metrics });
  }

  setTags(runId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    return this.logBatch(runId, { tags });
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    validateRunId(runId);
    const normalized = normalizeBatch(batch, this.#policy, this.#now());
    for (const json of splitLogBatch(runId, normalized)) {
      await this.#http.request({ method: "POST", path: `${API}/runs/log-batch`, json });
    }
  }

  async #upload(artifactUri: string, relativePath: string, content: ArtifactContent): Promise<number> {
    const base = proxyArtifactPath(artifactUri);
    if (base === undefined) {
      throw new TrackingError(
        `artifact location ${redactUri(artifactUri)} is not served by the MLflow artifacts proxy; start the server with --serve-artifacts (the default) so locations are mlflow-artifacts:/…`,
      );
    }
    const bytes =
      typeof content === "string"
        ? Buffer.from(content, "utf8")
        : content instanceof Uint8Array
          ? content
          : await readFile(content.file);
    const path = [encodePath(base), encodePath(relativePath)].filter(Boolean).join("/");
    await this.#http.request({ method: "PUT", path: `${ARTIFACTS_API}/${path}`, bytes });
    return bytes.byteLength;
  }

  async logArtifact(runId: string, relativePath: string, content: ArtifactContent): Promise<void> {
    validateArtifactPath(relativePath);
    const { artifactUri } = await this.#runInfo(runId);
    await this.#upload(artifactUri, relativePath, content);
  }

  async logModel(runId: string, options: LogModelOptions): Promise<LoggedModelInfo> {
    const name = validateLoggedModelName(options.name ?? "model");
    const files = Object.entries(options.files).map(([path, content]) => {
      validateArtifactPath(path);
      if (path === "MLmodel")
        throw new TrackingValidationError("model files must not include MLmodel; it is generated");
      return { path, content };
    });
    const params = normalizeParams(options.params, this.#policy, "model param");
    const tags = normalizeTags(options.tags, this.#policy, "model tag");
    const step = options.step ?? 0;
    if (!Number.isSafeInteger(step))
      throw new TrackingValidationError(`model step ${String(step)} is not an integer`);
    const mlflowVersion = options.mlflowVersion ?? "3.6.0";
    const now = this.#now();
    const common = {
      flavors: options.flavors,
      signature: options.signature,
      runId,
      mlflowVersion,
      createdAt: now,
    };
    buildMlmodel({ ...common, artifactPath: name, modelId: undefined, modelUuid: "" }); // validate first
    const { experimentId, artifactUri } = await this.#runInfo(runId);

    // MLflow 3: create the LoggedModel, upload into its artifact location, link it, finalize.
    const created = await this.#createLoggedModel({
      experiment_id: experimentId,
      name,
      source_run_id: runId,
      ...(options.modelType ? { model_type: options.modelType } : {}),
      ...(params.length > 0 ? { params } : {}),
      ...(tags.length > 0 ? { tags } : {}),
    });
    const modelId = created?.modelId;
    let size = 0;
    if (created) {
      try {
        for (const file of files) size += await this.#upload(created.artifactUri, file.path, file.content);
        const mlmodel = buildMlmodel({
          ...common,
          artifactPath: created.artifactUri,
          modelId: created.modelId,
          modelUuid: created.modelId,
          modelSizeBytes: size,
        });
        await this.#upload(created.artifactUri, "MLmodel", toYaml(mlmodel));
        await this.#http.request({
          method: "POST",
          path: `${API}/runs/outputs`,
          json: { run_id: runId, models: [{ model_id: created.modelId, step }] },
        });
        await this.#finalize(created.modelId, "LOGGED_MODEL_READY");
      } catch (error) {
        await this.#finalize(created.modelId, "LOGGED_MODEL_UPLOAD_FAILED").catch(() => undefined);
        throw error;
      }
    }

    // 2.x layout, read by every version: runs:/<run>/<name>/MLmodel + mlflow.log-model.history.
    size = 0;
    for (const file of files) size += await this.#upload(artifactUri, `${name}/${file.path}`, file.content);
    const mlmodel2 = buildMlmodel({
      ...common,
      artifactPath: name,
      modelId,
      modelUuid: newRunId(),
      modelSizeBytes: size,
    });
    await this.#upload(artifactUri, `${name}/MLmodel`, toYaml(mlmodel2));
    const history = appendLogModelHistory(
      await this.#runTag(runId, "mlflow.log-model.history"),
      logModelHistoryEntry(mlmodel2),
    );
    const strict: ValueLimitPolicy = { truncateLongValues: false, onWarning: this.#policy.onWarning };
    await this.setTags(runId, {
      "mlflow.log-model.history": limitValue("tag", "mlflow.log-model.history", history, strict),
    });
    return {
      modelId,
      modelUri: modelId ? `models:/${modelId}` : undefined,
      runModelUri: `runs:/${runId}/${name}`,
    };
  }

  /** Creates a LoggedModel, or returns `undefined` when the server has no such endpoint (MLflow 2.x). */
  async #createLoggedModel(
    json: Record<string, unknown>,
  ): Promise<{ modelId: string; artifactUri: string } | undefined> {
    let body: LoggedModelJson;
    try {
      body = await this.#http.request<LoggedModelJson>({
        method: "POST",
        path: `${API}/logged-models`,
        json,
      });
    } catch (error) {
      if (
        error instanceof MlflowRestError &&
        (error.status === 404 || error.status === 405 || error.status === 501)
      ) {
        return undefined;
      }
      throw error;
    }
    const info = body.model?.info;
    if (!info?.model_id || !info.artifact_uri) {
      throw new TrackingError("MLflow logged-models create returned no model_id/artifact_uri");
    }
    return { modelId: info.model_id, artifactUri: info.artifact_uri };
  }

  #finalize(modelId: string, status: string): Promise<unknown> {
    // The server requires model_id in the body as well as in the path.
    return this.#http.request({
      method: "PATCH",
      path: `${API}/logged-models/${encodeURIComponent(modelId)}`,
      json: { model_id: modelId, status },
    });
  }

  async #runTag(runId: string, key: string): Promise<string | undefined> {
    const body = await this.#http.request<RunJson>({
      method: "GET",
      path: `${API}/runs/get`,
      query: { run_id: runId },
    });
    return body.run?.data?.tags?.find((t) => t.key === key)?.value;
  }

  async endRun(runId: string, status: RunEndStatus, endTime?: number): Promise<void> {
    validateRunId(runId);
    const checked = validateEndStatus(status);
    const end = validateTimestamp("run end time", endTime ?? this.#now());
    await this.#http.request({
      method: "POST",
      path: `${API}/runs/update`,
      json: { run_id: runId, status: checked, end_time: end },
    });
  }
}
