// A write failing half-way through creating an experiment or a run (a full disk in production;
// here a tag key that cannot become a file) must not leave a folder without meta.yaml, which the
// strict reader (and MLflow's search, for experiments) chokes on.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listExperiments, listRunIds } from "../test-support/mlflow-reader.ts";
import { FileStore } from "./file-store.ts";

let root: string;
beforeEach(() => {
  root = join(mkdtempSync(join(tmpdir(), "ct-tracking-failures-")), "mlruns");
});
afterEach(() => {
  rmSync(join(root, ".."), { recursive: true, force: true });
});

// "a" is written as a file, so "a/b" cannot be: the second tag write fails (ENOTDIR / EEXIST).
const CLASHING = { a: "1", "a/b": "2" };

describe("FileStore, failed writes", () => {
  it("removes a half-made experiment folder", async () => {
    const store = await FileStore.open({ rootDir: root });
    await expect(store.getOrCreateExperiment("broken", CLASHING)).rejects.toThrow();
    expect(listExperiments(root).map((e) => e.id)).toEqual(["0"]);
    expect(readdirSync(root).sort()).toEqual([".trash", "0"]);
  });

  it("removes a half-made run folder", async () => {
    const store = await FileStore.open({ rootDir: root });
    const experimentId = await store.getOrCreateExperiment("ok");
    await expect(store.createRun({ experimentId, runName: "Run 0", tags: CLASHING })).rejects.toThrow();
    expect(readdirSync(join(root, experimentId)).filter((entry) => entry !== "meta.yaml")).toEqual([]);
    expect(listRunIds(root, experimentId)).toEqual([]);
    const runId = await store.createRun({ experimentId, runName: "Run 0" });
    expect(listRunIds(root, experimentId)).toEqual([runId]);
  });
});
