/**
 * `model.yaml`, as BentoML 1.4's `ModelInfo.dump` writes it and `ModelInfo.from_yaml_file` reads it
 * (spec §4): fields in BentoML's order, every string double-quoted (so PyYAML never turns a version
 * like `1.0` into a float or `yes` into a bool), a tz-aware ISO `creation_time`.
 */
import { toYaml, type YamlMapping, type YamlValue } from "@ct/tracking";
import { parse } from "yaml";
import { ModelStoreValidationError } from "./errors.ts";
import { tagProblem } from "./tag.ts";

/** `context` of model.yaml: what BentoML needs to know about the framework that saved the model. */
export interface ModelContext {
  /** e.g. `catboost`; written as `framework_name`. */
  frameworkName: string;
  /** e.g. `{ catboost: "1.2.7" }`; written as `framework_versions`. */
  frameworkVersions: Record<string, string>;
  /** Written as `bentoml_version` when given (BentoML fills in its own version when absent). */
  bentomlVersion?: string;
  /** Written as `python_version` when given (BentoML fills in the running Python's when absent). */
  pythonVersion?: string;
}

/** One entry of `signatures` as the caller gives it (BentoML's `ModelSignatureDict`). */
export interface ModelSignatureInput {
  batchable: boolean;
  /** An int `n` means `[n, n]`; default `[0, 0]`. Only stored when `batchable` (BentoML drops it otherwise). */
  batch_dim?: [number, number] | number;
}

/** One entry of `signatures` as stored: `batch_dim` is `[in, out]` and present exactly when batchable. */
export interface ModelSignature {
  batchable: boolean;
  batch_dim?: [number, number];
}

/** Every field of a model.yaml, in TypeScript spelling. */
export interface ModelInfo {
  name: string;
  version: string;
  module: string;
  labels: Record<string, string>;
  options: Record<string, unknown>;
  metadata: Record<string, unknown>;
  context: ModelContext;
  signatures: Record<string, ModelSignature>;
  apiVersion: string;
  creationTime: Date;
  /** `creation_time` exactly as written in the file. */
  creationTimeText: string;
}

// ---------------------------------------------------------------------------------------------
// creation_time

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/**
 * `2025-11-20T10:00:00.123000+00:00`: Python's `datetime.isoformat()` of a UTC datetime with
 * microseconds, which `datetime.fromisoformat` reads on every Python BentoML supports (`Z` only
 * on ≥ 3.11) and which is tz-aware (a naive time crashes `bentoml models list`'s sort).
 */
export function formatCreationTime(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) throw new ModelStoreValidationError("invalid creationTime: not a valid Date");
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) {
    throw new ModelStoreValidationError(
      `invalid creationTime ${date.toISOString()}: the year must be 1-9999 (Python datetime)`,
    );
  }
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    `.${pad(date.getUTCMilliseconds() * 1000, 6)}+00:00`
  );
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\s*(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses a `creation_time` the way BentoML ends up with a comparable datetime: an ISO date-time
 * with a UTC offset. Returns the reason as a string when the value would not parse or would be
 * naive (offset-less), which BentoML accepts but then crashes on when sorting.
 */
export function parseCreationTime(text: string): Date | string {
  const match = ISO_DATETIME.exec(text);
  if (!match) return `creation_time ${JSON.stringify(text)} is not an ISO date-time`;
  const [, y, mo, d, h, mi, s, fraction = "", zone] = match;
  if (zone === undefined) {
    return `creation_time ${JSON.stringify(text)} has no UTC offset (naive times crash 'bentoml models list')`;
  }
  const offsetMinutes =
    zone === "Z"
      ? 0
      : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Math.floor(Number(fraction.padEnd(6, "0")) / 1000),
  );
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return `creation_time ${JSON.stringify(text)} is not a real date-time`;
  }
  return new Date(ms - offsetMinutes * 60_000);
}

// ---------------------------------------------------------------------------------------------
// Values the caller hands in

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return `${value}n (a bigint)`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "object" && value !== null)
    return `a ${value.constructor?.name ?? "null-prototype"} object`;
  return typeof value;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `value` is YAML data BentoML can load back unchanged — strings, finite numbers,
 * booleans, null, arrays and plain objects — and returns it typed for the writer. NaN, ±Infinity,
 * undefined, bigints, Dates, Maps, class instances and cycles are rejected with the path of the
 * offending value (`metadata.scores[2]`).
 */
export function toYamlData(value: unknown, path: string, seen: Set<object> = new Set()): YamlValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    throw new ModelStoreValidationError(
      `${path} is ${describe(value)}: model.yaml values must be finite numbers (store NaN/Infinity as a string or null)`,
    );
  }
  if (typeof value !== "object") {
    throw new ModelStoreValidationError(
      `${path} is ${describe(value)}: model.yaml values must be strings, finite numbers, booleans, null, lists or mappings`,
    );
  }
  if (seen.has(value)) throw new ModelStoreValidationError(`${path} refers back to itself (a cycle)`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items: YamlValue[] = [];
      for (let index = 0; index < value.length; index++) {
        items.push(toYamlData(value[index], `${path}[${index}]`, seen));
      }
      return items;
    }
    if (!isPlainObject(value)) {
      throw new ModelStoreValidationError(
        `${path} is ${describe(value)}: model.yaml mappings must be plain objects (convert Dates to ISO strings)`,
      );
    }
    const out: Record<string, YamlValue> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = toYamlData(item, `${path}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== "string")
    throw new ModelStoreValidationError(`${path} is ${describe(value)}: expected a string`);
  return value;
}

function stringMap(value: unknown, path: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value) || !isPlainObject(value)) {
    throw new ModelStoreValidationError(
      `${path} is ${describe(value)}: expected a mapping of strings to strings`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) out[key] = requireString(item, `${path}.${key}`);
  return out;
}

function dataMap(value: unknown, path: string): Record<string, YamlValue> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelStoreValidationError(`${path} is ${describe(value)}: expected a mapping`);
  }
  return toYamlData(value, path) as Record<string, YamlValue>;
}

function batchDim(value: unknown, path: string): [number, number] {
  const isDim = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n);
  if (value === undefined) return [0, 0];
  if (isDim(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && isDim(value[0]) && isDim(value[1]))
    return [value[0], value[1]];
  throw new ModelStoreValidationError(
    `${path} is ${JSON.stringify(value)}: expected an integer or [input, output] integers`,
  );
}

/** BentoML's `ModelSignature.from_dict` + unstructure hook: int batch_dim → pair; batch_dim only when batchable. */
export function normalizeSignatures(
  signatures: Record<string, ModelSignatureInput> | undefined,
): Record<string, ModelSignature> {
  const out: Record<string, ModelSignature> = {};
  for (const [method, signature] of Object.entries(signatures ?? {})) {
    const path = `signatures.${method}`;
    if (method === "") throw new ModelStoreValidationError("signatures has an empty method name");
    if (typeof signature !== "object" || signature === null || typeof signature.batchable !== "boolean") {
      throw new ModelStoreValidationError(`${path}.batchable must be a boolean`);
    }
    const dim = batchDim(signature.batch_dim, `${path}.batch_dim`);
    out[method] = signature.batchable ? { batchable: true, batch_dim: dim } : { batchable: false };
  }
  return out;
}

/** What `buildModelYaml` needs; values are checked here, before anything touches the disk. */
export interface ModelYamlFields {
  name: string;
  version: string;
  module: string;
  labels?: Record<string, string>;
  options?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  context: ModelContext;
  signatures?: Record<string, ModelSignatureInput>;
  apiVersion: string;
  creationTime: Date;
}

/** The model.yaml text for `fields`, keys in `ModelInfo.dump` order. Throws ModelStoreValidationError on bad values. */
export function buildModelYaml(fields: ModelYamlFields): string {
  const context = fields.context;
  if (typeof context !== "object" || context === null) {
    throw new ModelStoreValidationError("context is required: { frameworkName, frameworkVersions }");
  }
  const contextYaml: YamlMapping = {
    framework_name: requireString(context.frameworkName, "context.frameworkName"),
    framework_versions: stringMap(context.frameworkVersions ?? {}, "context.frameworkVersions"),
    bentoml_version:
      context.bentomlVersion === undefined
        ? undefined
        : requireString(context.bentomlVersion, "context.bentomlVersion"),
    python_version:
      context.pythonVersion === undefined
        ? undefined
        : requireString(context.pythonVersion, "context.pythonVersion"),
  };
  const signatures: Record<string, YamlValue> = {};
  for (const [method, signature] of Object.entries(normalizeSignatures(fields.signatures))) {
    signatures[method] = signature.batch_dim
      ? { batchable: signature.batchable, batch_dim: signature.batch_dim }
      : { batchable: signature.batchable };
  }
  const mapping: YamlMapping = {
    name: fields.name,
    version: fields.version,
    module: requireString(fields.module, "module"),
    labels: stringMap(fields.labels, "labels"),
    options: dataMap(fields.options, "options"),
    metadata: dataMap(fields.metadata, "metadata"),
    context: contextYaml,
    signatures,
    api_version: requireString(fields.apiVersion, "apiVersion"),
    creation_time: formatCreationTime(fields.creationTime),
  };
  return toYaml(mapping, { sortKeys: false });
}

// ---------------------------------------------------------------------------------------------
// Reading

/** PyYAML `safe_load` semantics (YAML 1.1), except that timestamps stay strings so their offset can be checked. */
export function parseYaml11(text: string): unknown {
  return parse(text, {
    version: "1.1",
    customTags: (tags) =>
      tags.filter((tag) => typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:timestamp"),
  });
}

/** Why a model.yaml is unreadable; `parseModelYaml` throws it, callers wrap it with the path. */
export class ModelYamlProblem extends Error {}

function mappingAt(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelYamlProblem(`${key} must be a mapping, found ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, key: string): string {
  if (typeof value !== "string")
    throw new ModelYamlProblem(`${key} must be a string, found ${describe(value)}`);
  return value;
}

function stringMapAt(value: unknown, key: string): Record<string, string> {
  const mapping = mappingAt(value, key);
  for (const [entry, item] of Object.entries(mapping)) stringAt(item, `${key}.${entry}`);
  return mapping as Record<string, string>;
}

const REQUIRED_KEYS = [
  "name",
  "version",
  "module",
  "labels",
  "options",
  "metadata",
  "context",
  "api_version",
  "creation_time",
] as const;

/**
 * Parses and checks a model.yaml the way BentoML's `ModelInfo.from_yaml_file` + cattrs do (spec
 * §4): required keys `name`, `version`, `module`, `labels`, `options`, `metadata`, `context`
 * (`framework_name`, `framework_versions`), `api_version`, `creation_time` (tz-aware);
 * `signatures` optional; unknown keys ignored. Stricter than BentoML on types (no silent `str()`
 * coercion). Throws a ModelYamlProblem saying what is wrong.
 */
export function parseModelYaml(text: string): ModelInfo {
  let doc: unknown;
  try {
    doc = parseYaml11(text);
  } catch (error) {
    throw new ModelYamlProblem(`model.yaml is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const root = mappingAt(doc, "model.yaml");
  for (const key of REQUIRED_KEYS) {
    if (!(key in root)) throw new ModelYamlProblem(`model.yaml lacks the required key ${key}`);
  }
  const name = stringAt(root.name, "name");
  const version = stringAt(root.version, "version");
  for (const [key, value] of [
    ["name", name],
    ["version", version],
  ] as const) {
    const problem = tagProblem(value);
    if (problem !== undefined) {
      throw new ModelYamlProblem(`${key} ${JSON.stringify(value)} is not a valid BentoML tag: ${problem}`);
    }
  }
  const module = stringAt(root.module, "module");
  const labels = stringMapAt(root.labels, "labels");
  const options = mappingAt(root.options, "options");
  const metadata = mappingAt(root.metadata, "metadata");
  const context = mappingAt(root.context, "context");
  const modelContext: ModelContext = {
    frameworkName: stringAt(context.framework_name, "context.framework_name"),
    frameworkVersions: stringMapAt(context.framework_versions, "context.framework_versions"),
  };
  if ("bentoml_version" in context) {
    modelContext.bentomlVersion = stringAt(context.bentoml_version, "context.bentoml_version");
  }
  if ("python_version" in context) {
    modelContext.pythonVersion = stringAt(context.python_version, "context.python_version");
  }
  const signaturesRaw = root.signatures === undefined ? {} : root.signatures;
  let signatures: Record<string, ModelSignature>;
  try {
    signatures = normalizeSignatures(
      mappingAt(signaturesRaw, "signatures") as Record<string, ModelSignatureInput>,
    );
  } catch (error) {
    if (error instanceof ModelYamlProblem) throw error;
    throw new ModelYamlProblem((error as Error).message);
  }
  const apiVersion = stringAt(root.api_version, "api_version");
  const creationTimeText = stringAt(root.creation_time, "creation_time");
  const creationTime = parseCreationTime(creationTimeText);
  if (typeof creationTime === "string") throw new ModelYamlProblem(creationTime);
  return {
    name,
    version,
    module,
    labels,
    options,
    metadata,
    context: modelContext,
    signatures,
    apiVersion,
    creationTime,
    creationTimeText,
  };
}
