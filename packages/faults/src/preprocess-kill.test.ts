// Fault: ct-preprocess is SIGKILLed while it writes its outputs (OOM killer, node drained, kill -9).
// Nothing half-written may appear where train looks (<artifacts>/preprocessing/<model>/<base_dt>/);
// the re-run must clean up the leftovers and write files byte-identical to an uninterrupted run.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bins,
  createFaultDatabase,
  createTempDir,
  extractDates,
  type FaultDatabase,
  hashTree,
  listTree,
  runBin,
  seedSynthetic,
  startBin,
  type TempDir,
} from "../test-support/index.ts";

const MODEL = "kill_model";
const BASE_DT = "2025-02-14";
let db: FaultDatabase;
let reference: TempDir; // an uninterrupted run
let killed: TempDir; // runs that get killed, then re-run

beforeAll(async () => {
  db = await createFaultDatabase("preprocess_kill");
  // ~80 k snapshot rows (the month up to 02-14): preprocess needs a second or more.
  await seedSynthetic(db.store, { startDate: "2025-01-13", days: 33, rowsPerDay: 2500 });
  await extractDates(db.store, [BASE_DT]);
  reference = createTempDir("kill-ref");
  killed = createTempDir("kill");
  const result = await preprocess(reference.path);
  expect(result.code, result.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  reference?.remove();
  killed?.remove();
  await db?.drop();
});

function preprocess(artifacts: string) {
  return runBin(bins.preprocess, ["--model_name", MODEL, "--base_dt", BASE_DT], {
    FEATURE_STORE_URL: db.url,
    ARTIFACTS_PATH: artifacts,
  });
}

const modelDir = (artifacts: string): string => join(artifacts, "preprocessing", MODEL);

/** What train reads: the files of <artifacts>/preprocessing/<model>/<base_dt>/, hashed. */
const outputs = (artifacts: string): Record<string, string> => {
  const tree = hashTree(join(modelDir(artifacts), BASE_DT));
  return Object.fromEntries(
    listTree(join(modelDir(artifacts), BASE_DT)).map((path) => [path, tree[path] ?? "folder"]),
  );
};

/** The hidden build folder of a running preprocess, once its train CSV has bytes in it. */
function temporaryWithData(artifacts: string): string | undefined {
  const entries = existsSync(modelDir(artifacts)) ? readdirSync(modelDir(artifacts)) : [];
  for (const entry of entries.filter((name) => name.startsWith(`.${BASE_DT}.tmp-`))) {
    const csv = join(modelDir(artifacts), entry, `${MODEL}_train.csv`);
    if (existsSync(csv) && statSync(csv).size > 0) return entry;
  }
  return undefined;
}

/** Starts preprocess and SIGKILLs it in the middle of writing its CSVs. */
async function preprocessKilledMidWrite(artifacts: string): Promise<{ temporary: string }> {
  const child = startBin(bins.preprocess, ["--model_name", MODEL, "--base_dt", BASE_DT], {
    FEATURE_STORE_URL: db.url,
    ARTIFACTS_PATH: artifacts,
  });
  // The snapshot read reports progress on stderr; the CSVs are written right after it.
  await child.waitForStderr(`read snapshot ${BASE_DT}`);
  let temporary = temporaryWithData(artifacts);
  while (temporary === undefined) {
    if (child.child.exitCode !== null)
      throw new Error(`preprocess ended before it could be killed:\n${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    temporary = temporaryWithData(artifacts);
  }
  child.child.kill("SIGKILL");
  const result = await child.done;
  expect(result.signal, result.stderr).toBe("SIGKILL");
  return { temporary };
}

describe("SIGKILL in the middle of preprocess", () => {
  it("leaves no output folder where train looks; the re-run cleans up and writes identical files", async () => {
    const { temporary } = await preprocessKilledMidWrite(killed.path);
    // Only the hidden build folder is left; train's folder does not exist.
    expect(readdirSync(modelDir(killed.path))).toEqual([temporary]);
    expect(existsSync(join(modelDir(killed.path), BASE_DT))).toBe(false);

    const rerun = await preprocess(killed.path);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(readdirSync(modelDir(killed.path))).toEqual([BASE_DT]); // the leftover is gone
    const expected = outputs(reference.path);
    expect(Object.keys(expected)).toEqual([
      "encoders",
      "encoders/robust_scaler.json",
      `${MODEL}_train.csv`,
      `${MODEL}_val.csv`,
      "manifest.json",
    ]);
    expect(outputs(killed.path)).toEqual(expected);
  });

  it("keeps the previous complete outputs intact when a re-run is killed, until a re-run replaces them", async () => {
    const expected = outputs(reference.path);
    expect(outputs(killed.path)).toEqual(expected); // complete outputs from the test above
    const { temporary } = await preprocessKilledMidWrite(killed.path);
    expect(readdirSync(modelDir(killed.path)).sort()).toEqual([temporary, BASE_DT].sort());
    expect(outputs(killed.path)).toEqual(expected); // train still reads the complete previous folder

    const rerun = await preprocess(killed.path);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(readdirSync(modelDir(killed.path))).toEqual([BASE_DT]);
    expect(outputs(killed.path)).toEqual(expected);
  });
});
