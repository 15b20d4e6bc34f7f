// SIGKILL of the built ct-train bin during the grid and at exact points of the model save
// (docs/reliability.md, "Train, model store and containers"). Real processes, a real model store
// and MLflow file store in a temporary folder; inputs are the reference fixture's preprocess outputs.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getModel, listModels } from "@ct/model-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  RUN_STATUS,
  readMlflowTree,
  spawnTrain,
  storeState,
  TINY_GRID,
  type TrainPlaces,
  train,
  writePreprocessOutputs,
} from "../test-support/train-inputs.ts";

const MODEL = "fault_train_kill";
let dir: string;
let places: TrainPlaces;
/** The version `latest` should name: v1, then whatever the last complete train saved. */
let current: string;

/** Three configurations of 30 iterations, one worker: a couple of seconds per configuration. */
const SLOW_GRID = [
  "--engine",
  "builtin",
  "--workers",
  "1",
  "--grid",
  "depth=3",
  "--grid",
  "learning_rate=0.1,0.2,0.3",
  "--param",
  "rsm=1",
  "--param",
  "l2_leaf_reg=3",
  "--param",
  "iterations=30",
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-faults-train-kill-"));
  places = {
    artifacts: join(dir, "artifacts"),
    store: join(dir, "store"),
    mlruns: join(dir, "mlruns"),
    tmp: join(dir, "tmp"),
  };
  await mkdir(places.tmp);
  await writePreprocessOutputs(places.artifacts, MODEL);
  const first = train(places, MODEL);
  expect(first.code, first.stderr).toBe(0);
  current = versionOf(first.stdout);
  expect((await storeState(places.store, MODEL)).latest).toBe(current);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = { onProblem: () => undefined };

/** `latest` = `expected`, it loads, and nothing in models/ is partial or unreadable. */
async function expectStoreIntact(expectedLatest: string): Promise<string[]> {
  const state = await storeState(places.store, MODEL);
  expect(state.latest).toBe(expectedLatest);
  expect(state.problems).toEqual([]);
  // Every folder under models/<model>/ is a complete, readable version.
  expect([...state.folders].sort()).toEqual(state.versions);
  const latest = await getModel(places.store, `${MODEL}:latest`);
  expect(latest.version).toBe(expectedLatest);
  expect(existsSync(join(latest.path, "model.json"))).toBe(true);
  expect(existsSync(join(latest.path, "scalers.json"))).toBe(true);
  return state.versions;
}

describe("ct-train killed with SIGKILL", () => {
  it("during the grid: latest stays on v1, MLflow stays readable, a re-run moves latest", async () => {
    const v1 = current;
    // Runs are told apart by id: two trainings in the same second share the experiment name
    // (`training-YYYY-MM-DD-HHMMSS`), hence the experiment.
    const runIds = (tree: ReturnType<typeof readMlflowTree>) =>
      tree.flatMap((e) =>
        e.runs.map((r) => ({ experiment: e.experiment, run: r, id: String(r.meta.run_id) })),
      );
    const runsBefore = new Set(runIds(readMlflowTree(places.mlruns)).map((r) => r.id));
    const run = spawnTrain(places, MODEL, SLOW_GRID);
    await run.waitFor(/Run 0 \{[^\n]*\}: accuracy/);
    run.child.kill("SIGKILL");
    expect((await run.exited).signal).toBe("SIGKILL");

    expect(await expectStoreIntact(v1)).toEqual([v1]);
    expect((await listModels(places.store, quiet)).map((m) => m.version)).toEqual([v1]);
    // The save never started: the scratch area holds no version being built.
    expect(readdirSync(join(places.store, ".ct-model-store", "tmp"))).toEqual([]);

    // The killed training's experiment is there and readable (every run folder has a valid
    // meta.yaml): Run 0 complete and FINISHED; the configurations still training when the process
    // died have no run at all (a run is created only once its configuration has trained).
    const added = runIds(readMlflowTree(places.mlruns)).filter((r) => !runsBefore.has(r.id));
    const killed = [...new Set(added.map((r) => r.experiment))];
    expect(killed).toHaveLength(1);
    const runs = added.map((r) => r.run);
    expect(runs.map((r) => [r.tags["mlflow.runName"], r.meta.status])).toEqual([
      ["Run 0", RUN_STATUS.FINISHED],
    ]);
    expect(Object.keys(runs[0]?.metrics ?? {})).toContain("model Accuracy");
    expect(runs[0]?.tags.best_run).toBeUndefined();
    // SIGKILL runs no cleanup: train's scratch folder stays in TMPDIR until the next train…
    expect(readdirSync(places.tmp).filter((name) => name.startsWith("ct-train-"))).toHaveLength(1);

    const again = train(places, MODEL);
    expect(again.code, again.stderr).toBe(0);
    // …which removes it (its pid is gone) and its own when done.
    expect(readdirSync(places.tmp).filter((name) => name.startsWith("ct-train-"))).toEqual([]);
    current = versionOf(again.stdout);
    expect((await expectStoreIntact(current)).sort()).toEqual([v1, current].sort());
  });

  it("with the save's files half-written (CT_TEST_PAUSE_SAVE_AT=file-written): no partial version, latest stays v1", async () => {
    const before = await expectStoreIntact(current);
    const run = spawnTrain(places, MODEL, [...TINY_GRID], { CT_TEST_PAUSE_SAVE_AT: "file-written" });
    await run.waitFor(/CT_TEST_PAUSE_SAVE_AT: model save paused at file-written/);
    // The version being built exists, half-written, in the scratch area only.
    const scratch = join(places.store, ".ct-model-store", "tmp");
    const leftovers = readdirSync(scratch);
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(new RegExp(`^save-${MODEL}-[a-z2-7]{16}-`));
    run.child.kill("SIGKILL");
    expect((await run.exited).signal).toBe("SIGKILL");

    expect(await expectStoreIntact(current)).toEqual(before);
    expect(readdirSync(scratch)).toEqual(leftovers);

    // The next save removes leftovers older than an hour (here: made to look old).
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(scratch, leftovers[0] ?? ""), old, old);
    const again = train(places, MODEL);
    expect(again.code, again.stderr).toBe(0);
    current = versionOf(again.stdout);
    expect(await expectStoreIntact(current)).toEqual([...before, current].sort());
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("after the rename, before latest moves (latest-written): the new version is complete, latest unchanged", async () => {
    const before = await expectStoreIntact(current);
    const run = spawnTrain(places, MODEL, [...TINY_GRID], { CT_TEST_PAUSE_SAVE_AT: "latest-written" });
    await run.waitFor(/CT_TEST_PAUSE_SAVE_AT: model save paused at latest-written/);
    run.child.kill("SIGKILL");
    expect((await run.exited).signal).toBe("SIGKILL");
    const after = await expectStoreIntact(current);
    const added = after.filter((version) => !before.includes(version));
    expect(added).toHaveLength(1);
    // The version renamed into place just before the kill is complete and loads by its tag.
    const model = await getModel(places.store, `${MODEL}:${added[0]}`);
    expect(existsSync(join(model.path, "model.json"))).toBe(true);

    const again = train(places, MODEL);
    expect(again.code, again.stderr).toBe(0);
    current = versionOf(again.stdout);
    expect(await expectStoreIntact(current)).toHaveLength(before.length + 2);
    expect(() => readMlflowTree(places.mlruns)).not.toThrow();
  });

  it("rejects an unknown save step in CT_TEST_PAUSE_SAVE_AT as a usage error, before training", async () => {
    const result = train(places, MODEL, TINY_GRID, { CT_TEST_PAUSE_SAVE_AT: "renamd" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/CT_TEST_PAUSE_SAVE_AT="renamd": expected one of temp-created, /);
  });
});

function versionOf(stdout: string): string {
  const tag = (JSON.parse(stdout) as { model: { tag: string } }).model.tag;
  return tag.slice(tag.indexOf(":") + 1);
}
