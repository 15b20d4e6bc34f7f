/**
 * A strict re-implementation, for tests, of what BentoML 1.4's local model store does when it reads
 * (spec §4; `_internal/store.py`, `_internal/tag.py`, `_internal/models/model.py`,
 * `bentoml_cli/models.py`). It is written independently of `src/` on purpose: tests run what
 * saveModel wrote through it. It throws wherever BentoML would raise, and also where BentoML
 * would silently repair or misreport (a missing/dangling `latest`, a model.yaml naming another
 * tag), because a ct-written store must need neither.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** `tag.py`: `tag_fmt` and `tag_max_length`. */
export const BENTOML_TAG_REGEX = /^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$/;
export const BENTOML_TAG_MAX_LENGTH = 63;

export class BentomlReadError extends Error {}

/** `validate_tag_str` after `Tag.__init__`'s lowercasing — strict: upper case is an error here. */
export function checkTagString(value: unknown, where: string): string {
  if (typeof value !== "string")
    throw new BentomlReadError(`${where}: ${String(value)} is not a str (Tag() calls .lower())`);
  if (value !== value.toLowerCase()) throw new BentomlReadError(`${where}: ${value} is not lowercase`);
  if (value.length > BENTOML_TAG_MAX_LENGTH)
    throw new BentomlReadError(`${where}: ${value} is longer than 63`);
  if (!BENTOML_TAG_REGEX.test(value))
    throw new BentomlReadError(`${where}: ${value} is not a valid BentoML tag`);
  return value;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `yaml.safe_load`: YAML 1.1 (unquoted timestamps become datetimes, `yes` a bool, `1.0` a float). */
export function safeLoad(text: string): unknown {
  return parse(text, { version: "1.1" });
}

/**
 * `datetime.fromisoformat` as every Python BentoML 1.4 supports (3.9+) parses it, plus the
 * requirement that the result be tz-aware (the CLI sorts by it; naive vs aware raises TypeError).
 * `Z` is only accepted by Python ≥ 3.11, so it is rejected here.
 */
export function fromIsoFormatAware(text: string, where: string): Date {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}|\d{6}))?([+-]\d{2}:\d{2})?$/.exec(text);
  if (!match)
    throw new BentomlReadError(`${where}: fromisoformat(${JSON.stringify(text)}) fails on Python < 3.11`);
  if (match[8] === undefined) throw new BentomlReadError(`${where}: ${text} is naive (no UTC offset)`);
  const date = new Date(text.replace(" ", "T"));
  if (Number.isNaN(date.getTime())) throw new BentomlReadError(`${where}: ${text} is not a real date-time`);
  return date;
}

type Dict = Record<string, unknown>;

function dict(value: unknown, where: string): Dict {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw new BentomlReadError(`${where} is not a dict`);
  }
  return value as Dict;
}

function str(value: unknown, where: string): string {
  if (typeof value !== "string")
    throw new BentomlReadError(`${where} is not a str: ${JSON.stringify(value)}`);
  return value;
}

/** Metadata / options values BentoML's `metadata_validator` and PyYAML accept, recursively. */
function checkData(value: unknown, where: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new BentomlReadError(`${where} is ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkData(item, `${where}[${index}]`);
    });
    return;
  }
  for (const [key, item] of Object.entries(dict(value, where))) checkData(item, `${where}.${key}`);
}

/** What a `ModelInfo` holds once BentoML has structured model.yaml. */
export interface BentomlModel {
  tag: string;
  path: string;
  /** The model.yaml mapping as PyYAML loaded it. */
  yaml: Dict;
  creationTime: Date;
}

/** `ModelInfo.from_yaml_file` + cattrs structuring (strict on types). */
export function readModelInfo(yamlPath: string): { yaml: Dict; tag: string; creationTime: Date } {
  const raw = dict(safeLoad(readFileSync(yamlPath, "utf8")), `${yamlPath}: malformed model.yaml`);
  const name = checkTagString(raw.name, `${yamlPath} name`);
  const version = checkTagString(raw.version, `${yamlPath} version`);
  for (const key of ["module", "labels", "options", "metadata", "context", "api_version", "creation_time"]) {
    if (!(key in raw)) throw new BentomlReadError(`${yamlPath}: ClassValidationError, missing ${key}`);
  }
  str(raw.module, `${yamlPath} module`);
  str(raw.api_version, `${yamlPath} api_version`);
  for (const [key, value] of Object.entries(dict(raw.labels, `${yamlPath} labels`))) {
    str(value, `${yamlPath} labels.${key}`);
  }
  checkData(dict(raw.options, `${yamlPath} options`), `${yamlPath} options`);
  checkData(dict(raw.metadata, `${yamlPath} metadata`), `${yamlPath} metadata`);
  const context = dict(raw.context, `${yamlPath} context`);
  str(context.framework_name, `${yamlPath} context.framework_name`);
  for (const [key, value] of Object.entries(
    dict(context.framework_versions, `${yamlPath} context.framework_versions`),
  )) {
    str(value, `${yamlPath} context.framework_versions.${key}`);
  }
  for (const key of ["bentoml_version", "python_version"]) {
    if (key in context) str(context[key], `${yamlPath} context.${key}`);
  }
  if ("signatures" in raw) {
    for (const [method, value] of Object.entries(dict(raw.signatures, `${yamlPath} signatures`))) {
      const signature = dict(value, `${yamlPath} signatures.${method}`);
      if (typeof signature.batchable !== "boolean") {
        throw new BentomlReadError(`${yamlPath} signatures.${method}.batchable is not a bool`);
      }
      if ("batch_dim" in signature) {
        const dim = signature.batch_dim;
        const ok =
          Number.isInteger(dim) ||
          (Array.isArray(dim) && dim.length === 2 && dim.every((n) => Number.isInteger(n)));
        if (!ok)
          throw new BentomlReadError(`${yamlPath} signatures.${method}.batch_dim is not int or (int, int)`);
      }
    }
  }
  const creation = raw.creation_time;
  if (creation instanceof Date) {
    // An unquoted YAML timestamp: PyYAML makes a datetime, naive unless the text has an offset.
    const line = /^creation_time:\s*(.+)$/m.exec(readFileSync(yamlPath, "utf8"))?.[1] ?? "";
    if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(line.trim()))
      throw new BentomlReadError(`${yamlPath}: naive creation_time`);
    return { yaml: raw, tag: `${name}:${version}`, creationTime: creation };
  }
  if (typeof creation !== "string")
    throw new BentomlReadError(`${yamlPath}: creation_time is not a str/datetime`);
  return {
    yaml: raw,
    tag: `${name}:${version}`,
    creationTime: fromIsoFormatAware(creation, `${yamlPath} creation_time`),
  };
}

/** `Store._get_item` → `Model.from_fs`, plus (strict) the yaml's tag must equal the folder's. */
export function readModelDir(home: string, name: string, version: string): BentomlModel {
  const path = join(home, "models", name, version);
  const yamlPath = join(path, "model.yaml");
  try {
    statSync(yamlPath);
  } catch {
    throw new BentomlReadError(
      `Failed to load bento model because it does not contain a 'model.yaml' (${path})`,
    );
  }
  const info = readModelInfo(yamlPath);
  if (info.tag !== `${name}:${version}`) {
    throw new BentomlReadError(`${yamlPath} names ${info.tag} but lives in ${name}:${version}`);
  }
  return { tag: info.tag, path, yaml: info.yaml, creationTime: info.creationTime };
}

/**
 * `bentoml models list`: `Store.list()` walks every directory under `models/` and every version
 * directory (loose files ignored), `Tag()` + `Model.from_path()` on each — the first bad entry
 * raises for the whole listing — then the CLI sorts by `creation_time` (newest first).
 */
export function bentomlModelsList(home: string): BentomlModel[] {
  const modelsDir = join(home, "models");
  if (!isDir(modelsDir)) return [];
  const out: BentomlModel[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    if (!isDir(join(modelsDir, name))) continue;
    checkTagString(name, `models/${name}`);
    for (const version of readdirSync(join(modelsDir, name)).sort()) {
      if (!isDir(join(modelsDir, name, version))) continue;
      checkTagString(version, `models/${name}/${version}`);
      out.push(readModelDir(home, name, version));
    }
  }
  return out.sort((a, b) => b.creationTime.getTime() - a.creationTime.getTime());
}

/**
 * `bentoml.models.get(tag)` for `name`, `name:latest` or `name:version` (unique prefixes too).
 * Strict: where BentoML would *recreate* a missing or dangling `latest` (which needs write access),
 * this throws.
 */
export function bentomlModelsGet(home: string, tag: string): BentomlModel {
  const colon = tag.indexOf(":");
  const name = checkTagString(colon < 0 ? tag : tag.slice(0, colon), `tag ${tag}`);
  let version = colon < 0 ? "latest" : tag.slice(colon + 1);
  const nameDir = join(home, "models", name);
  if (version === "latest") {
    let pointer: string;
    try {
      pointer = readFileSync(join(nameDir, "latest"), "utf8");
    } catch {
      throw new BentomlReadError(`${name}/latest is missing: BentoML would have to recreate it`);
    }
    if (pointer !== pointer.trim()) throw new BentomlReadError(`${name}/latest has surrounding whitespace`);
    version = checkTagString(pointer, `${name}/latest`);
    if (!isDir(join(nameDir, version))) {
      throw new BentomlReadError(
        `${name}/latest names ${version}, which does not exist: BentoML would recreate it`,
      );
    }
  }
  checkTagString(version, `tag ${tag}`);
  if (isDir(join(nameDir, version))) return readModelDir(home, name, version);
  const matches = isDir(nameDir)
    ? readdirSync(nameDir).filter((v) => v.startsWith(version) && isDir(join(nameDir, v)))
    : [];
  if (matches.length === 1 && matches[0] !== undefined) return readModelDir(home, name, matches[0]);
  throw new BentomlReadError(
    matches.length === 0 ? `NotFound: ${name}:${version}` : `multiple versions matched by ${version}`,
  );
}

/** Everything a reader checks at once: the listing, and `name:latest` for every model name. */
export function checkStore(home: string): { models: BentomlModel[]; latest: Record<string, string> } {
  const models = bentomlModelsList(home);
  const latest: Record<string, string> = {};
  for (const name of new Set(models.map((model) => model.tag.split(":")[0] ?? ""))) {
    latest[name] = bentomlModelsGet(home, name).tag;
  }
  return { models, latest };
}
