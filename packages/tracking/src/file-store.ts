import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type KeyValue, normalizeBatch, normalizeParams, normalizeTags } from "./batch.ts";
import { TrackingError, TrackingValidationError } from "./errors.ts";
import { withNameLock } from "./experiment-lock.ts";
import {
  EXPERIMENT_RESERVED,
  experimentMeta,
  loggedModelMeta,
  parseExperimentMeta,
  parseRunMeta,
  ROOT_RESERVED,
  runMeta,
  runOutputMeta,
} from "./file-store-layout.ts";
import { mkdirExclusive, readTextIfExists, writeArtifactVia, writeFileVia } from "./fs-atomic.ts";
import { newExperimentId, newModelId, newRunId } from "./ids.ts";
import { modelMetricLine, runMetricLine } from "./metric-line.ts";
import { appendLogModelHistory, buildMlmodel, logModelHistoryEntry } from "./mlmodel.ts";
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
  type NormalizedMetric,
  normalizeMetric,
  RUN_STATUS_CODES,
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

/** Options of {@link FileStore.open}. */
export interface FileStoreOptions {
  /** Absolute path of the store root (`./mlruns` resolved). */
  readonly rootDir: string;
  /** `user_id` and the `mlflow.user` tag; defaults to the OS user name. */
  readonly user?: string;
  /** The `mlflow.source.name` tag; default `ct`. */
  readonly sourceName?: string;
  /** Clock in ms (tests). */
  readonly now?: () => number;
  /** Truncate over-long param/tag values as MLflow does by default (true), or throw (false). */
  readonly truncateLongValues?: boolean;
  /** Receives warnings such as truncated values. */
  readonly onWarning?: (message: string) => void;
  /** Experiment id generator (tests); default 18-digit random integers like MLflow's. */
  readonly newExperimentId?: () => string;
  /** How long `getOrCreateExperiment`/`createExperiment` wait for another creator; default 60 s. */
  readonly lockTimeoutMs?: number;
}

/** The OS user name, or `""` when there is none (MLflow only needs the key to exist). */
export function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "";
  }
}

const keyPath = (dir: string, key: string): string => join(dir, ...key.split("/"));

/**
 * MLflow's local file store (`mlruns/`) written exactly as MLflow 2.x and 3.x read it (spec §1–2).
 * Every file is written via a temporary file and rename, so a crash never leaves a half-written
 * file: a run whose process died stays readable as RUNNING (as MLflow leaves it) and can be ended
 * later with {@link FileStore.endRun} (e.g. as KILLED).
 */
export class FileStore implements TrackingClient {
  readonly backend = "file" as const;
  readonly displayUri: string;
  readonly rootDir: string;
  readonly #user: string;
  readonly #sourceName: string;
  readonly #now: () => number;
  readonly #policy: ValueLimitPolicy;
  readonly #newExperimentId: () => string;
  readonly #lockTimeoutMs: number;
  readonly #runExperiments = new Map<string, string>();

  private constructor(options: FileStoreOptions) {
    this.rootDir = options.rootDir;
    this.displayUri = pathToFileURL(options.rootDir).href;
    this.#user = options.user ?? defaultUser();
    this.#sourceName = options.sourceName ?? "ct";
    this.#now = options.now ?? Date.now;
    this.#policy = {
      truncateLongValues: options.truncateLongValues ?? true,
      onWarning: options.onWarning ?? (() => undefined),
    };
    this.#newExperimentId = options.newExperimentId ?? newExperimentId;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  }

  /**
   * Opens (and if needed creates) a store. A new root gets `.trash/` and the `Default` experiment
   * `0`, as MLflow's FileStore creates them; an existing root only gets `.trash/` if missing.
   */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(options);
    await store.#initRoot();
    return store;
  }

  async #initRoot(): Promise<void> {
    const info = await stat(this.rootDir).catch(() => undefined);
    if (info && !info.isDirectory()) {
      throw new TrackingError(`tracking store ${this.rootDir} exists but is not a directory`);
    }
    let created = false;
    if (!info) {
      await mkdir(join(this.rootDir, ".."), { recursive: true });
      created = await mkdirExclusive(this.rootDir);
    }
    await mkdir(join(this.rootDir, ".trash"), { recursive: true });
    if (created && (await mkdirExclusive(join(this.rootDir, "0")))) {
      await this.#writeExperimentMeta("0", "Default", this.#now());
    }
  }

  async #writeExperimentMeta(experimentId: string, name: string, creationTime: number): Promise<void> {
    const dir = join(this.rootDir, experimentId);
    const meta = experimentMeta({
      experimentId,
      name,
      artifactLocation: pathToFileURL(dir).href,
      creationTime,
    });
    await writeFileVia(dir, join(dir, "meta.yaml"), toYaml(meta));
  }

  async #experimentDirs(parent: string): Promise<string[]> {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && !ROOT_RESERVED.has(e.name) && !e.name.startsWith("."))
      .map((e) => e.name);
  }

  /** Experiments with this name: `{id, deleted}` for active ones and those in `.trash`. */
  async #findExperiments(name: string): Promise<{ id: string; deleted: boolean }[]> {
    const found: { id: string; deleted: boolean }[] = [];
    for (const [parent, deleted] of [
      [this.rootDir, false],
      [join(this.rootDir, ".trash"), true],
    ] as const) {
      for (const id of await this.#experimentDirs(parent)) {
        const text = await readTextIfExists(join(parent, id, "meta.yaml"));
        const meta = text === undefined ? undefined : parseExperimentMeta(text);
        if (meta?.name === name && meta.id === id) {
          found.push({ id, deleted: deleted || meta.lifecycleStage === "deleted" });
        }
      }
    }
    return found;
  }

  async getExperimentByName(name: string): Promise<string | undefined> {
    validateExperimentName(name);
    return (await this.#findExperiments(name)).find((e) => !e.deleted)?.id;
  }

  async createExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string> {
    const checkedTags = this.#experimentTags(name, tags);
    return this.#lockName(name, async () => {
      const existing = await this.#findExperiments(name);
      if (existing.length > 0) {
        const first = existing[0];
        throw new TrackingError(
          `experiment ${JSON.stringify(name)} already exists (id ${first?.id}${first?.deleted ? ", deleted" : ""}) in ${this.rootDir}`,
        );
      }
      return this.#createExperimentUnlocked(name, checkedTags);
    });
  }

  async getOrCreateExperiment(name: string, tags?: Readonly<Record<string, string>>): Promise<string> {
    const checkedTags = this.#experimentTags(name, tags);
    return this.#lockName(name, async () => {
      const existing = await this.#findExperiments(name);
      const active = existing.find((e) => !e.deleted);
      if (active) return active.id;
      if (existing.length > 0) {
        throw new TrackingError(
          `experiment ${JSON.stringify(name)} exists in the deleted state (id ${existing[0]?.id}); restore or permanently delete it first`,
        );
      }
      return this.#createExperimentUnlocked(name, checkedTags);
    });
  }

  #experimentTags(name: string, tags: Readonly<Record<string, string>> | undefined): KeyValue[] {
    validateExperimentName(name);
    return normalizeTags(tags, this.#policy, "experiment tag");
  }

  #lockName<T>(name: string, work: () => Promise<T>): Promise<T> {
    return withNameLock(this.rootDir, name, { timeoutMs: this.#lockTimeoutMs, staleMs: 30_000 }, work);
  }

  async #createExperimentUnlocked(name: string, tags: readonly KeyValue[]): Promise<string> {
    // mkdir is the atomic claim on the id: a concurrent creator with the same id gets EEXIST.
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = validateExperimentId(this.#newExperimentId());
      const dir = join(this.rootDir, id);
      if (!(await mkdirExclusive(dir))) continue;
      try {
        for (const tag of tags) await writeFileVia(dir, keyPath(join(dir, "tags"), tag.key), tag.value);
        await this.#writeExperimentMeta(id, name, this.#now());
      } catch (error) {
        // A folder without meta.yaml would be a half-made experiment (a full disk, …): remove it.
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
      return id;
    }
    throw new TrackingError(`could not find a free experiment id in ${this.rootDir} after 20 attempts`);
  }

  async createRun(options: CreateRunOptions): Promise<string> {
    const experimentId = validateExperimentId(options.experimentId);
    const experimentDir = join(this.rootDir, experimentId);
    const expText = await readTextIfExists(join(experimentDir, "meta.yaml"));
    const expMeta = expText === undefined ? undefined : parseExperimentMeta(expText);
    if (!expMeta || expMeta.lifecycleStage !== "active") {
      throw new TrackingError(`experiment ${experimentId} does not exist (or is deleted) in ${this.rootDir}`);
    }
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

    const runId = newRunId();
    const runDir = join(experimentDir, runId);
    await mkdir(runDir);
    // Tags first, meta.yaml last: MLflow skips a run directory without meta.yaml, so the run
    // appears complete with its tags. A failed write (a full disk, …) removes the half-made folder.
    try {
      for (const tag of tags) await writeFileVia(runDir, keyPath(join(runDir, "tags"), tag.key), tag.value);
      const meta = runMeta({
        runId,
        experimentId,
        runName,
        artifactUri: pathToFileURL(join(runDir, "artifacts")).href,
        userId: this.#user,
        startTime,
        endTime: null,
        status: RUN_STATUS_CODES.RUNNING,
        lifecycleStage: "active",
      });
      await writeFileVia(runDir, join(runDir, "meta.yaml"), toYaml(meta));
    } catch (error) {
      await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
    this.#runExperiments.set(runId, experimentId);
    return runId;
  }

  /** The run's experiment id and directory; finds runs created by other clients too. */
  async #locateRun(runId: string): Promise<{ experimentId: string; runDir: string }> {
    validateRunId(runId);
    const cached = this.#runExperiments.get(runId);
    const candidates = cached ? [cached] : await this.#experimentDirs(this.rootDir);
    for (const experimentId of candidates) {
      const runDir = join(this.rootDir, experimentId, runId);
      if (
        !EXPERIMENT_RESERVED.has(runId) &&
        (await readTextIfExists(join(runDir, "meta.yaml"))) !== undefined
      ) {
        this.#runExperiments.set(runId, experimentId);
        return { experimentId, runDir };
      }
    }
    throw new TrackingError(`run ${runId} not found in ${this.rootDir}`);
  }

  async #readRunMeta(runDir: string): Promise<ReturnType<typeof parseRunMeta>> {
    const path = join(runDir, "meta.yaml");
    return parseRunMeta(await readFile(path, "utf8"), path);
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
    const normalized = normalizeBatch(batch, this.#policy, this.#now());
    const { runDir } = await this.#locateRun(runId);
    await this.#writeParams(runDir, normalized.params);
    await this.#writeTags(runDir, normalized.tags);
    await this.#appendMetrics(runDir, join(runDir, "metrics"), normalized.metrics, runMetricLine);
    const runName = normalized.tags.findLast((t) => t.key === "mlflow.runName");
    if (runName) {
      const meta = await this.#readRunMeta(runDir);
      await writeFileVia(
        runDir,
        join(runDir, "meta.yaml"),
        toYaml(runMeta({ ...meta, runName: runName.value })),
      );
    }
  }

  /** Params are immutable: the same value again is a no-op, a different one an error (as MLflow). */
  async #writeParams(ownerDir: string, params: readonly KeyValue[]): Promise<void> {
    for (const param of params) {
      const path = keyPath(join(ownerDir, "params"), param.key);
      const existing = await readTextIfExists(path);
      if (existing === param.value) continue;
      if (existing !== undefined) {
        throw new TrackingValidationError(
          `param ${JSON.stringify(param.key)} was already logged with value ${JSON.stringify(existing)}; params are immutable (new value ${JSON.stringify(param.value)})`,
        );
      }
      await writeFileVia(ownerDir, path, param.value);
    }
  }

  async #writeTags(ownerDir: string, tags: readonly KeyValue[]): Promise<void> {
    for (const tag of tags) await writeFileVia(ownerDir, keyPath(join(ownerDir, "tags"), tag.key), tag.value);
  }

  /**
   * Appends metric lines, one key at a time: the file is rewritten whole via temp + rename, so a
   * crash never leaves a partial line (which would make the whole run unreadable in MLflow).
   */
  async #appendMetrics(
    ownerDir: string,
    metricsDir: string,
    metrics: readonly NormalizedMetric[],
    line: (point: NormalizedMetric) => string,
  ): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const point of metrics) {
      const lines = byKey.get(point.key) ?? [];
      lines.push(line(point));
      byKey.set(point.key, lines);
    }
    for (const [key, lines] of byKey) {
      const path = keyPath(metricsDir, key);
      const existing = (await readTextIfExists(path)) ?? "";
      const prefix = existing === "" || existing.endsWith("\n") ? existing : `${existing}\n`;
      await writeFileVia(ownerDir, path, prefix + lines.join(""));
    }
  }

  async #artifactRoot(runDir: string): Promise<string> {
    const meta = await this.#readRunMeta(runDir);
    if (!meta.artifactUri.startsWith("file:")) {
      throw new TrackingError(
        `run ${meta.runId} stores artifacts at ${meta.artifactUri}, which this file-store client cannot write`,
      );
    }
    return fileURLToPath(meta.artifactUri);
  }

  async logArtifact(runId: string, relativePath: string, content: ArtifactContent): Promise<void> {
    validateArtifactPath(relativePath);
    const { runDir } = await this.#locateRun(runId);
    const root = await this.#artifactRoot(runDir);
    await writeArtifactVia(runDir, join(root, ...relativePath.split("/")), content);
  }

  async logModel(runId: string, options: LogModelOptions): Promise<LoggedModelInfo> {
    const name = validateLoggedModelName(options.name ?? "model");
    const files = Object.entries(options.files).map(([path, content]) => {
      validateArtifactPath(path);
      if (path === "MLmodel")
        throw new TrackingValidationError("model files must not include MLmodel; it is generated");
      return { path, content };
    });
    const now = this.#now();
    const params = normalizeParams(options.params, this.#policy, "model param");
    const tags = normalizeTags(options.tags, this.#policy, "model tag");
    const metrics = (options.metrics ?? []).map((point) => normalizeMetric(point, now));
    const step = options.step ?? 0;
    if (!Number.isSafeInteger(step))
      throw new TrackingValidationError(`model step ${String(step)} is not an integer`);
    const mlflowVersion = options.mlflowVersion ?? "3.6.0";
    // Validate the MLmodel inputs before writing anything.
    buildMlmodel({
      artifactPath: name,
      flavors: options.flavors,
      signature: options.signature,
      runId,
      modelId: undefined,
      modelUuid: "",
      mlflowVersion,
      createdAt: now,
    });

    const { experimentId, runDir } = await this.#locateRun(runId);
    const runArtifacts = await this.#artifactRoot(runDir);

    // 3.x LoggedModel: <exp>/models/<model_id>/{artifacts,params,tags,metrics}, meta.yaml last.
    const modelId = newModelId();
    const modelDir = join(this.rootDir, experimentId, "models", modelId);
    await mkdir(join(modelDir, ".."), { recursive: true });
    await mkdir(modelDir);
    const modelArtifacts = join(modelDir, "artifacts");
    const artifactLocation = pathToFileURL(modelArtifacts).href;
    let size = 0;
    for (const file of files) {
      size += await writeArtifactVia(modelDir, join(modelArtifacts, ...file.path.split("/")), file.content);
    }
    const common = {
      flavors: options.flavors,
      signature: options.signature,
      runId,
      modelId,
      modelUuid: modelId,
      mlflowVersion,
      createdAt: now,
      modelSizeBytes: size,
    };
    const mlmodel3 = buildMlmodel({ ...common, artifactPath: artifactLocation });
    await writeFileVia(modelDir, join(modelArtifacts, "MLmodel"), toYaml(mlmodel3));
    await this.#writeParams(modelDir, params);
    await this.#writeTags(modelDir, tags);
    await this.#appendMetrics(modelDir, join(modelDir, "metrics"), metrics, (p) => modelMetricLine(p, runId));
    const modelMeta = loggedModelMeta({
      modelId,
      experimentId,
      name,
      artifactLocation,
      sourceRunId: runId,
      modelType: options.modelType,
      creationTime: now,
      updateTime: this.#now(),
    });
    await writeFileVia(modelDir, join(modelDir, "meta.yaml"), toYaml(modelMeta));
    await writeFileVia(
      runDir,
      join(runDir, "outputs", modelId, "meta.yaml"),
      toYaml(runOutputMeta(modelId, step)),
    );

    // 2.x layout: runs:/<run>/<name>/MLmodel + the mlflow.log-model.history tag.
    const runModelDir = join(runArtifacts, name);
    for (const file of files) {
      await writeArtifactVia(runDir, join(runModelDir, ...file.path.split("/")), file.content);
    }
    const mlmodel2 = buildMlmodel({ ...common, artifactPath: name });
    await writeFileVia(runDir, join(runModelDir, "MLmodel"), toYaml(mlmodel2));
    const historyPath = join(runDir, "tags", "mlflow.log-model.history");
    const history = appendLogModelHistory(
      await readTextIfExists(historyPath),
      logModelHistoryEntry(mlmodel2),
    );
    await writeFileVia(
      runDir,
      historyPath,
      limitValue("tag", "mlflow.log-model.history", history, this.#strict()),
    );

    return { modelId, modelUri: `models:/${modelId}`, runModelUri: `runs:/${runId}/${name}` };
  }

  /** Over-long JSON must not be truncated into invalid JSON: always an error. */
  #strict(): ValueLimitPolicy {
    return { truncateLongValues: false, onWarning: this.#policy.onWarning };
  }

  async endRun(runId: string, status: RunEndStatus, endTime?: number): Promise<void> {
    const code = RUN_STATUS_CODES[validateEndStatus(status)];
    const end = validateTimestamp("run end time", endTime ?? this.#now());
    const { runDir } = await this.#locateRun(runId);
    const meta = await this.#readRunMeta(runDir);
    await writeFileVia(
      runDir,
      join(runDir, "meta.yaml"),
      toYaml(runMeta({ ...meta, status: code, endTime: end })),
    );
  }
}
