import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SaveModelInput } from "../src/index.ts";

/** A fresh, empty BENTOML_HOME in the OS temp folder. */
export async function makeStoreRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ct-model-store-"));
}

export async function removeStoreRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/** Entries left in the scratch area (`.ct-model-store/tmp`), [] if it does not exist. */
export async function scratchEntries(root: string): Promise<string[]> {
  try {
    return (await readdir(join(root, ".ct-model-store", "tmp"))).sort();
  } catch {
    return [];
  }
}

/** Every file under `dir`, as sorted `/`-joined relative paths. */
export async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listTree(join(dir, entry.name), relative)));
    else out.push(relative);
  }
  return out.sort();
}

/** A complete save input for a ct GBDT model. */
export function gbdtInput(overrides: Partial<SaveModelInput> = {}): SaveModelInput {
  return {
    name: "credit_score_classification",
    module: "ct.gbdt",
    labels: { owner: "mlops-ts", stage: "yes", base_dt: "2025-02-14" },
    options: { training_class_name: "GbdtClassifier", params: { depth: 6, learning_rate: 0.1 } },
    metadata: { auc: 0.87, f1: 0.8125, rows: 9000, classes: ["Good", "Poor", "Standard"], run_id: "0123" },
    context: {
      frameworkName: "ct-gbdt",
      frameworkVersions: { "ct-gbdt": "0.1.0" },
      bentomlVersion: "1.4.38",
      pythonVersion: "3.11.2",
    },
    signatures: { predict: { batchable: false }, predict_proba: { batchable: true, batch_dim: 0 } },
    files: {
      "model.json": '{"trees":[]}\n',
      "encoders/robust_scaler.json": new TextEncoder().encode('{"center":1}'),
    },
    creationTime: new Date("2025-02-14T01:02:03.456Z"),
    ...overrides,
  };
}

/** True when `python3` with PyYAML is available (an optional cross-check against the real parser). */
export function hasPyYaml(): boolean {
  const result = spawnSync("python3", ["-c", "import yaml"], { encoding: "utf8" });
  return result.status === 0;
}

/**
 * Loads a model.yaml with PyYAML's `safe_load` and applies BentoML's own checks in Python
 * (`Tag` regex and length, required keys, `datetime.fromisoformat`, tz-aware), printing the
 * loaded mapping as JSON (creation_time as its isoformat()).
 */
export function loadWithPyYaml(path: string): Record<string, unknown> {
  const script = `
import json, re, sys, yaml
from datetime import datetime
with open(sys.argv[1]) as f:
    d = yaml.safe_load(f)
assert isinstance(d, dict), "malformed"
tag = re.compile(r"^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$")
for k in ("name", "version"):
    v = d[k]
    assert isinstance(v, str) and len(v) <= 63 and tag.match(v), (k, v)
for k in ("module", "labels", "options", "metadata", "context", "api_version", "creation_time"):
    assert k in d, k
assert isinstance(d["context"]["framework_name"], str)
assert isinstance(d["context"]["framework_versions"], dict)
assert all(isinstance(k, str) and isinstance(v, str) for k, v in d["labels"].items())
ct = d["creation_time"] if isinstance(d["creation_time"], datetime) else datetime.fromisoformat(d["creation_time"])
assert ct.tzinfo is not None, "naive creation_time"
d["creation_time"] = ct.isoformat()
print(json.dumps(d))
`;
  const result = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`PyYAML check failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
