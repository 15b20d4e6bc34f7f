// A full disk under the artifacts folder, the model store and the MLflow tree (docs/reliability.md,
// "Train, model store and containers"): each is a small tmpfs filled to a few KB of free space, and
// the built preprocess / train bins must fail in one line naming ENOSPC, with a non-zero exit, and
// leave nothing partial. Mounting needs root (CI runs as root); otherwise the suite is skipped and
// says why.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  writeSync,
} from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@ct/feature-store/test-support";
import { getModel } from "@ct/model-store";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ctBin,
  readMlflowTree,
  storeState,
  type TrainPlaces,
  train,
  writePreprocessOutputs,
} from "../test-support/train-inputs.ts";

const preprocessBin = fileURLToPath(new URL("../../../steps/preprocess/dist/bin.js", import.meta.url));
const MODEL = "fault_disk_full";
const FILLER = "filler";
/** Free space left on a filled tmpfs: a couple of pages, less than any CSV or model file. */
const LEAVE_BYTES = 8 * 1024;

function mountTmpfs(path: string, size: string): { ok: boolean; why: string } {
  mkdirSync(path, { recursive: true });
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", path], {
    encoding: "utf8",
  });
  return { ok: result.status === 0, why: (result.stderr || result.error?.message || "").trim() };
}

function unmount(path: string): void {
  spawnSync("umount", [path]);
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (CI runs these as root)";
  const probe = join(tmpdir(), `ct-faults-mount-probe-${process.pid}`);
  const mounted = mountTmpfs(probe, "64k");
  if (!mounted.ok) return `mount -t tmpfs was refused (${mounted.why})`;
  unmount(probe);
  spawnSync("rmdir", [probe]);
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`disk-full tests skipped: ${reason}`);

/** Fills the file system of `dir` with a file until ENOSPC, then gives back `leave` bytes. */
function fill(dir: string, leave = LEAVE_BYTES): void {
  const path = join(dir, FILLER);
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  }
  ftruncateSync(fd, Math.max(0, written - leave));
  closeSync(fd);
}

/** Regular files under `dir` except the filler, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else out.push(relative(dir, path));
  };
  visit(dir);
  return out.filter((file) => file !== FILLER).sort();
}

/** Failed in one `error:` line naming ENOSPC, without a stack trace. */
function expectOneLineEnospc(result: { code: number | null; stderr: string }, bin: string): void {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.code, result.stderr).not.toBeNull();
  const errors = result.stderr.split("\n").filter((line) => line.startsWith(`${bin}: `));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^${bin}: error: .*no space left on device \\(ENOSPC\\)`));
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe.skipIf(reason !== undefined)(
  reason ? `disk full (skipped: ${reason})` : "disk full (tmpfs mounts)",
  () => {
    let dir: string;
    const mounts: string[] = [];
    let database: TestDatabase | undefined;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "ct-faults-disk-full-"));
    });
    afterAll(async () => {
      for (const mount of mounts.reverse()) unmount(mount);
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    async function tmpfs(name: string, size = "4m"): Promise<string> {
      const path = join(dir, name);
      const mounted = mountTmpfs(path, size);
      if (!mounted.ok) throw new Error(`mount ${path}: ${mounted.why}`);
      mounts.push(path);
      return path;
    }

    it("preprocess with a full artifacts folder: exit 1 naming ENOSPC, no partial output", async () => {
      database = await createTestDatabase("faults_disk_full");
      const env = { FEATURE_STORE_URL: database.url, ARTIFACTS_PATH: join(dir, "unused-artifacts") };
      const seed = runBuiltBin(
        ctBin,
        ["seed", "--days", "3", "--rows_per_day", "100", "--start_date", "2025-02-12", "--seed", "3"],
        env,
      );
      expect(seed.code, seed.stderr).toBe(0);
      const extract = runBuiltBin(ctBin, ["extract", "--model_name", MODEL, "--base_dt", "2025-02-14"], env);
      expect(extract.code, extract.stderr).toBe(0);

      const artifacts = await tmpfs("artifacts");
      fill(artifacts);
      const result = runBuiltBin(preprocessBin, ["--model_name", MODEL, "--base_dt", "2025-02-14"], {
        ...env,
        ARTIFACTS_PATH: artifacts,
      });
      // Exit 1 and one line naming ENOSPC (step-kit's reportError), no stack trace.
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^ct-preprocess: error: ENOSPC: no space left on device/m);
      expect(result.stderr).not.toContain("internal error");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // No half CSV, no scaler without its CSVs, no manifest: nothing at all besides the filler.
      expect(files(artifacts)).toEqual([]);
      expect(existsSync(join(artifacts, "preprocessing", MODEL, "2025-02-14"))).toBe(false);
    });

    it("train with a full model store: exit 1, ENOSPC in one line, latest unchanged, no partial version", async () => {
      const places: TrainPlaces = {
        artifacts: join(dir, "train-artifacts"),
        store: await tmpfs("store"),
        mlruns: join(dir, "mlruns-store-case"),
        tmp: join(dir, "tmp"),
      };
      await mkdir(places.tmp, { recursive: true });
      await writePreprocessOutputs(places.artifacts, MODEL);
      const first = train(places, MODEL);
      expect(first.code, first.stderr).toBe(0);
      const v1 = (await storeState(places.store, MODEL)).latest;
      const before = files(places.store);

      fill(places.store);
      const result = train(places, MODEL);
      expectOneLineEnospc(result, "ct-train");
      expect(result.stderr).toContain(`cannot write the model store ${places.store}`);
      const state = await storeState(places.store, MODEL);
      expect(state.latest).toBe(v1);
      expect(state.folders).toEqual([v1]);
      expect(state.problems).toEqual([]);
      expect((await getModel(places.store, `${MODEL}:latest`)).version).toBe(v1);
      // The version being built was removed from the scratch area; nothing else was added.
      expect(files(places.store)).toEqual(before);
      expect(readdirSync(join(places.store, ".ct-model-store", "tmp"))).toEqual([]);
      // The tracking side is complete and readable (the runs were logged before the save).
      expect(() => readMlflowTree(places.mlruns)).not.toThrow();
    });

    it("train with a full MLflow folder: exit 1, ENOSPC in one line, nothing half-written, no model saved", async () => {
      const places: TrainPlaces = {
        artifacts: join(dir, "train-artifacts"),
        store: join(dir, "store-mlruns-case"),
        mlruns: await tmpfs("mlruns"),
        tmp: join(dir, "tmp"),
      };
      const first = train(places, MODEL);
      expect(first.code, first.stderr).toBe(0);
      const v1 = (await storeState(places.store, MODEL)).latest;
      const experiments = readMlflowTree(places.mlruns).length;

      fill(places.mlruns);
      const result = train(places, MODEL);
      expectOneLineEnospc(result, "ct-train");
      expect(result.stderr).toContain("cannot write the MLflow tracking store");
      // Every experiment and run folder left is complete (meta.yaml present and valid) and no
      // temporary file or lock is left behind; the model store did not get the new model.
      const tree = readMlflowTree(places.mlruns);
      expect(tree.length).toBeGreaterThanOrEqual(experiments);
      expect(files(places.mlruns).filter((file) => /(^|\/)\.ct-(tmp|lock)-/.test(file))).toEqual([]);
      const state = await storeState(places.store, MODEL);
      expect(state.latest).toBe(v1);
      expect(state.folders).toEqual([v1]);
    });
  },
);
