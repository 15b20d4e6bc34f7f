import { parse } from "yaml";
import { TrackingError } from "./errors.ts";
import { RUN_STATUS_CODES } from "./validation.ts";
import type { YamlMapping } from "./yaml-text.ts";

/** Directory names at the store root that are never experiments. */
export const ROOT_RESERVED = new Set([".trash", "models"]);
/** Directory names inside an experiment that are never runs. */
export const EXPERIMENT_RESERVED = new Set(["tags", "datasets", "traces", "models"]);

/** MLflow's `SourceType.LOCAL`. */
export const SOURCE_TYPE_LOCAL = 4;
/** MLflow 3 `LoggedModelStatus.READY`. */
export const LOGGED_MODEL_READY = 2;

/** `<root>/<id>/meta.yaml` (§1.1). `experiment_id` is a string equal to the directory name. */
export function experimentMeta(fields: {
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTime: number;
}): YamlMapping {
  return {
    artifact_location: fields.artifactLocation,
    creation_time: fields.creationTime,
    experiment_id: fields.experimentId,
    last_update_time: fields.creationTime,
    lifecycle_stage: "active",
    name: fields.name,
  };
}

/** The fields of a run's `meta.yaml` that ct sets. */
export interface RunMetaFields {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly artifactUri: string;
  readonly userId: string;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly status: number;
  readonly lifecycleStage: string;
}

/**
 * `<exp>/<run>/meta.yaml` (§1.2): both `run_id` (3.x) and `run_uuid` (2.x) with the same value,
 * `status` as MLflow's int, `end_time` present (null while running), `tags: []`.
 */
export function runMeta(fields: RunMetaFields): YamlMapping {
  return {
    artifact_uri: fields.artifactUri,
    end_time: fields.endTime,
    entry_point_name: "",
    experiment_id: fields.experimentId,
    lifecycle_stage: fields.lifecycleStage,
    run_id: fields.runId,
    run_name: fields.runName,
    run_uuid: fields.runId,
    source_name: "",
    source_type: SOURCE_TYPE_LOCAL,
    source_version: "",
    start_time: fields.startTime,
    status: fields.status,
    tags: [],
    user_id: fields.userId,
  };
}

const asString = (value: unknown, fallback: string): string =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : fallback;

/** Reads back a run `meta.yaml` (ours or MLflow's) into the fields ct rewrites on update. */
export function parseRunMeta(text: string, where: string): RunMetaFields {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new TrackingError(`cannot parse ${where}: ${(error as Error).message}`, { cause: error });
  }
  if (doc === null || typeof doc !== "object") throw new TrackingError(`${where} is not a YAML mapping`);
  const d = doc as Record<string, unknown>;
  const runId = asString(d.run_id ?? d.run_uuid, "");
  const startTime = d.start_time;
  if (!runId || typeof startTime !== "number") {
    throw new TrackingError(`${where} lacks run_id/run_uuid or start_time`);
  }
  return {
    runId,
    experimentId: asString(d.experiment_id, ""),
    runName: asString(d.run_name, ""),
    artifactUri: asString(d.artifact_uri, ""),
    userId: asString(d.user_id, ""),
    startTime,
    endTime: typeof d.end_time === "number" ? d.end_time : null,
    status: typeof d.status === "number" ? d.status : RUN_STATUS_CODES.RUNNING,
    lifecycleStage: asString(d.lifecycle_stage, "active"),
  };
}

/** The name and lifecycle stage of an experiment `meta.yaml`, or `undefined` if unreadable. */
export function parseExperimentMeta(
  text: string,
): { name: string; lifecycleStage: string; id: string } | undefined {
  try {
    const d = parse(text) as Record<string, unknown> | null;
    if (!d || typeof d !== "object" || typeof d.name !== "string") return undefined;
    return {
      name: d.name,
      lifecycleStage: asString(d.lifecycle_stage, "active"),
      id: asString(d.experiment_id, ""),
    };
  } catch {
    return undefined;
  }
}

/** `<exp>/models/<model_id>/meta.yaml` (§2), written once the model files are in place (READY). */
export function loggedModelMeta(fields: {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  sourceRunId: string;
  modelType: string | undefined;
  creationTime: number;
  updateTime: number;
}): YamlMapping {
  return {
    artifact_location: fields.artifactLocation,
    creation_timestamp: fields.creationTime,
    experiment_id: fields.experimentId,
    last_updated_timestamp: fields.updateTime,
    lifecycle_stage: "active",
    model_id: fields.modelId,
    model_type: fields.modelType ?? null,
    name: fields.name,
    source_run_id: fields.sourceRunId,
    status: LOGGED_MODEL_READY,
    status_message: null,
  };
}

/**
 * `<exp>/<run>/outputs/<model_id>/meta.yaml` (§2): the run → model link. The reader takes the model
 * id from `destination_id`; `source_id` repeats it because that is what MLflow itself writes.
 */
export function runOutputMeta(modelId: string, step: number): YamlMapping {
  return {
    destination_id: modelId,
    destination_type: "MODEL_OUTPUT",
    source_id: modelId,
    source_type: "RUN_OUTPUT",
    step,
    tags: {},
  };
}
