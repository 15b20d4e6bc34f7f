import { TrackingValidationError } from "./errors.ts";
import { pythonJson, toYaml, type YamlMapping, type YamlValue } from "./yaml-text.ts";

/** MLflow ColSpec types (`mlflow/types/schema.py` `DataType`). */
export type ColSpecType =
  | "boolean"
  | "integer"
  | "long"
  | "float"
  | "double"
  | "string"
  | "binary"
  | "datetime";

const COLSPEC_TYPES: ReadonlySet<string> = new Set([
  "boolean",
  "integer",
  "long",
  "float",
  "double",
  "string",
  "binary",
  "datetime",
]);

/** One named column of a signature. */
export interface ColSpec {
  readonly name: string;
  readonly type: ColSpecType;
  /** Defaults to true, as in MLflow. */
  readonly required?: boolean;
}

/** A tensor output, e.g. class probabilities: `{ tensor: { dtype: "float64", shape: [-1, 3] } }`. */
export interface TensorSpec {
  readonly tensor: { readonly dtype: string; readonly shape: readonly number[] };
}

/** An MLflow model signature; at least the inputs. */
export interface ModelSignature {
  readonly inputs: readonly ColSpec[];
  readonly outputs?: readonly (ColSpec | TensorSpec)[];
}

function specJson(spec: ColSpec | TensorSpec, where: string): YamlValue {
  if ("tensor" in spec) {
    return { type: "tensor", "tensor-spec": { dtype: spec.tensor.dtype, shape: [...spec.tensor.shape] } };
  }
  if (typeof spec.name !== "string" || spec.name.length === 0) {
    throw new TrackingValidationError(`signature ${where}: every column needs a non-empty name`);
  }
  if (!COLSPEC_TYPES.has(spec.type)) {
    throw new TrackingValidationError(
      `signature ${where} column ${JSON.stringify(spec.name)}: unknown type ${JSON.stringify(spec.type)} (expected one of ${[...COLSPEC_TYPES].join(", ")})`,
    );
  }
  return { type: spec.type, name: spec.name, required: spec.required ?? true };
}

/**
 * The MLmodel `signature` mapping: `inputs`/`outputs` are JSON *strings* inside the YAML, formatted
 * like Python's `json.dumps`, e.g. `[{"type": "double", "name": "age", "required": true}]`.
 */
export function signatureToMlmodel(signature: ModelSignature): YamlMapping {
  if (!signature || !Array.isArray(signature.inputs) || signature.inputs.length === 0) {
    throw new TrackingValidationError("model signature needs at least one input column");
  }
  const names = new Set<string>();
  for (const column of signature.inputs) {
    if (names.has(column.name)) {
      throw new TrackingValidationError(
        `signature inputs: column ${JSON.stringify(column.name)} appears twice`,
      );
    }
    names.add(column.name);
  }
  return {
    inputs: pythonJson(signature.inputs.map((c) => specJson(c, "inputs"))),
    outputs: signature.outputs ? pythonJson(signature.outputs.map((c) => specJson(c, "outputs"))) : null,
    params: null,
  };
}

/** `str(datetime.utcnow())` as MLflow writes `utc_time_created`: `2025-11-20 10:00:00.123000`. */
export function utcTimeCreated(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-11-20T10:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Inputs of {@link buildMlmodel}. */
export interface MlmodelFields {
  /** 3.x: the LoggedModel's artifact location; 2.x layout: the artifact path in the run (`model`). */
  readonly artifactPath: string;
  readonly flavors: Readonly<Record<string, YamlMapping>>;
  readonly signature: ModelSignature;
  readonly runId: string;
  /** The LoggedModel id; also used as `model_uuid` (as MLflow 3's `log_model` does). */
  readonly modelId: string | undefined;
  /** `model_uuid` when there is no LoggedModel (2.x servers): `uuid4().hex`. */
  readonly modelUuid: string;
  readonly mlflowVersion: string;
  readonly createdAt: number;
  readonly modelSizeBytes?: number;
}

const VERSION = /^\d+(\.\d+)*([a-z]+\d*)?(\.dev\d+)?$/;

/** The MLmodel document (keys sorted on output), shaped like `mlflow.catboost.save_model`'s. */
export function buildMlmodel(fields: MlmodelFields): YamlMapping {
  if (Object.keys(fields.flavors).length === 0) {
    throw new TrackingValidationError("a logged model needs at least one flavor");
  }
  if (!VERSION.test(fields.mlflowVersion)) {
    throw new TrackingValidationError(
      `mlflow_version ${JSON.stringify(fields.mlflowVersion)} is not a parseable version (e.g. 3.6.0)`,
    );
  }
  return {
    artifact_path: fields.artifactPath,
    flavors: fields.flavors,
    is_signature_from_type_hint: false,
    mlflow_version: fields.mlflowVersion,
    model_id: fields.modelId,
    model_size_bytes: fields.modelSizeBytes,
    model_uuid: fields.modelId ?? fields.modelUuid,
    prompts: null,
    run_id: fields.runId,
    signature: signatureToMlmodel(fields.signature),
    type_hint_from_example: false,
    utc_time_created: utcTimeCreated(fields.createdAt),
  };
}

/**
 * One entry of the 2.x `mlflow.log-model.history` run tag (`Model.get_tags_dict()`): run_id,
 * artifact_path, utc_time_created, model_uuid and the flavors.
 */
export function logModelHistoryEntry(mlmodel: YamlMapping): YamlMapping {
  return {
    run_id: mlmodel.run_id,
    artifact_path: mlmodel.artifact_path,
    utc_time_created: mlmodel.utc_time_created,
    model_uuid: mlmodel.model_uuid,
    flavors: mlmodel.flavors,
  };
}

/** Appends `entry` to an existing `mlflow.log-model.history` value (a JSON list), or starts one. */
export function appendLogModelHistory(existing: string | undefined, entry: YamlMapping): string {
  let list: YamlValue[] = [];
  if (existing) {
    try {
      const parsed: unknown = JSON.parse(existing);
      if (Array.isArray(parsed)) list = parsed as YamlValue[];
    } catch {
      list = [];
    }
  }
  return pythonJson([...list, entry]);
}

/** Inputs of {@link catboostFlavors}. */
export interface CatboostFlavorOptions {
  readonly catboostVersion: string;
  /** `CatBoostClassifier` (default), `CatBoostRegressor` or `CatBoost`. */
  readonly modelType?: string;
  /** Python version recorded for pyfunc, e.g. `3.11.2`. */
  readonly pythonVersion: string;
}

/**
 * The `catboost` + `python_function` flavors `mlflow.catboost.save_model` writes. The model file
 * must be stored as `model.cb` (CatBoost `cbm` format) — not BentoML's `saved_model.cbm`.
 */
export function catboostFlavors(options: CatboostFlavorOptions): Record<string, YamlMapping> {
  return {
    catboost: {
      catboost_version: options.catboostVersion,
      code: null,
      data: "model.cb",
      model_type: options.modelType ?? "CatBoostClassifier",
      save_format: "cbm",
    },
    python_function: {
      data: "model.cb",
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      loader_module: "mlflow.catboost",
      python_version: options.pythonVersion,
    },
  };
}

/**
 * The environment files the `python_function` flavor points at (`conda.yaml`, `python_env.yaml`)
 * plus `requirements.txt`, laid out as MLflow writes them. `requirements` are pip specifiers such
 * as `mlflow==3.6.0` or `catboost==1.2.7`.
 */
export function pythonEnvFiles(options: {
  readonly pythonVersion: string;
  readonly requirements: readonly string[];
}): Record<"conda.yaml" | "python_env.yaml" | "requirements.txt", string> {
  const requirements = [...options.requirements];
  return {
    "conda.yaml": toYaml(
      {
        channels: ["conda-forge"],
        dependencies: [`python=${options.pythonVersion}`, "pip", { pip: requirements }],
        name: "mlflow-env",
      },
      { sortKeys: false },
    ),
    "python_env.yaml": toYaml(
      {
        python: options.pythonVersion,
        build_dependencies: ["pip", "setuptools", "wheel"],
        dependencies: ["-r requirements.txt"],
      },
      { sortKeys: false },
    ),
    "requirements.txt": requirements.map((line) => `${line}\n`).join(""),
  };
}
