/**
 * A strict re-implementation, for tests, of the checks MLflow's FileStore reader applies (spec §1):
 * PyYAML (YAML 1.1) parsing, required meta.yaml keys and types, ids equal to directory names, key
 * names, and metric lines parsed with Python's int()/float() rules. It throws where MLflow would
 * raise and records what MLflow would silently skip.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse } from "yaml";

export type Meta = Record<string, unknown>;

/** Parses YAML as PyYAML does (YAML 1.1: yes/no are bools, 0123 octal, 12:30 sexagesimal, …). */
export function readYaml11(path: string): Meta {
  const doc = parse(readFileSync(path, "utf8"), { version: "1.1" }) as unknown;
  if (doc === null || typeof doc !== "object") throw new Error(`${path}: not a mapping`);
  return doc as Meta;
}

const KEY = /^[/\w.\- :]*$/;
const PY_INT = /^[+-]?\d+$/;
const PY_FLOAT = /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf|infinity)$/i;

/** All files under `dir` as `/`-joined relative keys (MLflow walks with os.walk). */
export function walkKeys(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  try {
    visit(dir);
  } catch {
    return [];
  }
  return out.sort();
}

function checkKey(key: string, where: string): void {
  if (!KEY.test(key) || key.length > 250) throw new Error(`${where}: invalid key ${JSON.stringify(key)}`);
}

/** Parses a metric file as MLflow 3 does; throws on anything MLflow would reject. */
export function parseMetricFile(
  path: string,
  fields: 3 | 4 = 3,
): { timestamp: number; value: number; step: number }[] {
  const text = readFileSync(path, "utf8");
  if (text === "") throw new Error(`${path}: empty metric file`);
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error(`${path}: last line has no newline`);
  return lines.map((line) => {
    const parts = line.split(" ");
    if (parts.length !== fields)
      throw new Error(`${path}: line ${JSON.stringify(line)} has ${parts.length} fields`);
    const [ts = "", value = "", step = ""] = parts;
    if (!PY_INT.test(ts) || !PY_INT.test(step) || !PY_FLOAT.test(value)) {
      throw new Error(`${path}: bad metric line ${JSON.stringify(line)}`);
    }
    return { timestamp: Number(ts), value: Number(value), step: Number(step) };
  });
}

export interface ReadRun {
  meta: Meta;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, { timestamp: number; value: number; step: number }[]>;
}

/** Reads one run like `FileStore.get_run`: required keys (2.x and 3.x), ids, keys, metric lines. */
export function readRun(root: string, experimentId: string, runId: string): ReadRun {
  const dir = join(root, experimentId, runId);
  const meta = readYaml11(join(dir, "meta.yaml"));
  for (const key of ["run_id", "run_uuid", "experiment_id", "user_id", "start_time", "end_time"]) {
    if (!(key in meta)) throw new Error(`run meta lacks ${key}`);
  }
  if (meta.experiment_id !== experimentId)
    throw new Error(`Wrong experiment ID ${String(meta.experiment_id)}`);
  if (typeof meta.start_time !== "number") throw new Error("start_time cannot be None");
  if (meta.user_id === null) throw new Error("user_id is null");
  if (meta.status !== undefined && ![1, 2, 3, 4, 5].includes(meta.status as number)) {
    throw new Error(`Could not get string corresponding to run status ${String(meta.status)}`);
  }
  const readKeyed = (sub: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const key of walkKeys(join(dir, sub))) {
      checkKey(key, `${dir}/${sub}`);
      out[key] = readFileSync(join(dir, sub, ...key.split("/")), "utf8");
    }
    return out;
  };
  const metrics: ReadRun["metrics"] = {};
  for (const key of walkKeys(join(dir, "metrics"))) {
    checkKey(key, `${dir}/metrics`);
    metrics[key] = parseMetricFile(join(dir, "metrics", ...key.split("/")));
  }
  return { meta, params: readKeyed("params"), tags: readKeyed("tags"), metrics };
}

/** Lists experiments like `search_experiments`: subdirs except `.trash`/`models` with a valid meta.yaml. */
export function listExperiments(root: string): { id: string; meta: Meta }[] {
  return readdirSync(root)
    .filter((name) => name !== ".trash" && name !== "models" && statSync(join(root, name)).isDirectory())
    .map((id) => ({ id, meta: readYaml11(join(root, id, "meta.yaml")) }))
    .filter((e) => String(e.meta.experiment_id) === e.id);
}

/** Run ids of an experiment: subdirs except reserved ones, with a meta.yaml. */
export function listRunIds(root: string, experimentId: string): string[] {
  const reserved = new Set(["tags", "datasets", "traces", "models"]);
  return readdirSync(join(root, experimentId), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !reserved.has(e.name))
    .filter((e) => {
      try {
        return statSync(join(root, experimentId, e.name, "meta.yaml")).isFile();
      } catch {
        return false;
      }
    })
    .map((e) => e.name)
    .sort();
}
