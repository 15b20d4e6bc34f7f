/**
 * Crash safety (spec §4: one bad entry breaks `bentoml models list` for everyone). A save is
 * interrupted at every step — by an injected error, and by SIGKILL of a child process — and the
 * store is then checked with the BentoML reader: the listing still works, `latest` names the
 * previous complete version until the very last step, and no half-written folder is visible.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkStore } from "../test-support/bentoml-reader.ts";
import {
  gbdtInput,
  listTree,
  makeStoreRoot,
  removeStoreRoot,
  scratchEntries,
} from "../test-support/store-fixtures.ts";
import { removeStaleTemporaries, SAVE_STEPS, type SaveStep, saveModel, scanModels } from "./index.ts";

const NAME = "credit_score_classification";
const STEPS: readonly SaveStep[] = SAVE_STEPS;
/** Steps after which the new version is already in `models/`. */
const VISIBLE_AFTER: ReadonlySet<SaveStep> = new Set(["renamed", "latest-written", "latest-replaced"]);

let root = "";
beforeEach(async () => {
  root = await makeStoreRoot();
});
afterEach(async () => {
  await removeStoreRoot(root);
});

class InjectedFailure extends Error {}

describe("a save that fails at a step", () => {
  it.each(
    STEPS,
  )("failing at %s leaves a readable store with the right latest and no leftovers", async (failAt) => {
    await saveModel(root, gbdtInput({ version: "v1" }));
    const seen: SaveStep[] = [];
    const failing = saveModel(
      root,
      gbdtInput({
        version: "v2",
        files: {
          "a.bin": new Uint8Array(4096).fill(1),
          "b.bin": new Uint8Array(4096).fill(2),
          "c/d.txt": "d",
        },
      }),
      {
        onStep: (step) => {
          seen.push(step);
          if (step === failAt) throw new InjectedFailure(`injected at ${step}`);
        },
      },
    );
    await expect(failing).rejects.toThrow(InjectedFailure);
    expect(seen.at(-1)).toBe(failAt);

    const { models, latest } = checkStore(root);
    const expectedTags = VISIBLE_AFTER.has(failAt) ? [`${NAME}:v1`, `${NAME}:v2`] : [`${NAME}:v1`];
    expect(models.map((model) => model.tag).sort()).toEqual(expectedTags);
    expect(latest[NAME]).toBe(failAt === "latest-replaced" ? `${NAME}:v2` : `${NAME}:v1`);
    if (VISIBLE_AFTER.has(failAt)) {
      // Visible means complete: every file and model.yaml.
      expect(await listTree(`${root}/models/${NAME}/v2`)).toEqual([
        "a.bin",
        "b.bin",
        "c/d.txt",
        "model.yaml",
      ]);
    }
    expect(await scratchEntries(root)).toEqual([]);
    expect((await scanModels(root)).problems).toEqual([]);
  });

  it("calls the steps in order, once per file for file-written", async () => {
    const seen: SaveStep[] = [];
    await saveModel(root, gbdtInput({ version: "v1", files: { a: "1", b: "2" } }), {
      onStep: (step) => {
        seen.push(step);
      },
    });
    expect(seen).toEqual([
      "temp-created",
      "file-written",
      "file-written",
      "model-yaml-written",
      "synced",
      "renamed",
      "latest-written",
      "latest-replaced",
    ]);
  });

  it("a failing file copy (source vanished mid-save) leaves nothing behind", async () => {
    const source = `${root}/vanishing.bin`;
    await writeFile(source, "x");
    const saving = saveModel(
      root,
      gbdtInput({ version: "v1", files: { "a.txt": "a", "z.bin": { file: source } } }),
      {
        onStep: async (step) => {
          if (step === "file-written") await rm(source, { force: true });
        },
      },
    );
    await expect(saving).rejects.toThrow(/ENOENT/);
    await expect(stat(`${root}/models/${NAME}/v1`)).rejects.toThrow(/ENOENT/);
    expect(await scratchEntries(root)).toEqual([]);
    expect(checkStore(root).models).toEqual([]);
  });
});

const CHILD = fileURLToPath(new URL("../test-support/save-child.mjs", import.meta.url));

/** Runs the child until it prints "PAUSED <step>" (then SIGKILLs it) or exits. */
function runChild(
  args: string[],
): Promise<{ paused: string | undefined; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let paused: string | undefined;
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^PAUSED (\S+)/m.exec(stdout);
      if (match && paused === undefined) {
        paused = match[1];
        child.kill("SIGKILL");
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ paused, code, stderr }));
  });
}

describe("a save killed with SIGKILL", () => {
  it("completes normally when not killed (the child works)", async () => {
    const result = await runChild([root, "v1", "none"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(checkStore(root).latest).toEqual({ "crash-model": "crash-model:v1" });
  });

  it.each(
    STEPS,
  )("killed at %s: bentoml models list still works and latest is the previous complete model", async (killAt) => {
    const first = await runChild([root, "v1", "none"]);
    expect(first.code).toBe(0);

    const killed = await runChild([root, "v2", killAt, "3"]);
    expect(killed.stderr).toBe("");
    expect(killed.paused).toBe(killAt);
    expect(killed.code).toBeNull(); // killed by signal

    const { models, latest } = checkStore(root);
    const visible = VISIBLE_AFTER.has(killAt);
    expect(models.map((model) => model.tag).sort()).toEqual(
      visible ? ["crash-model:v1", "crash-model:v2"] : ["crash-model:v1"],
    );
    expect(latest["crash-model"]).toBe(killAt === "latest-replaced" ? "crash-model:v2" : "crash-model:v1");
    if (visible) {
      expect(await listTree(`${root}/models/crash-model/v2`)).toEqual([
        "model.yaml",
        "part-0.bin",
        "part-1.bin",
        "part-2.bin",
      ]);
      expect((await readFile(`${root}/models/crash-model/v2/part-2.bin`)).every((byte) => byte === 3)).toBe(
        true,
      );
    }
    expect((await scanModels(root)).problems).toEqual([]);

    // Whatever the kill left lives in the scratch area only, and is swept away by removeStaleTemporaries.
    const leftovers = await scratchEntries(root);
    if (killAt === "renamed" || killAt === "latest-replaced") expect(leftovers).toEqual([]);
    else expect(leftovers).toHaveLength(1);
    expect(await removeStaleTemporaries(root, { olderThanMs: -60_000 })).toHaveLength(leftovers.length);
    expect(await scratchEntries(root)).toEqual([]);

    // The store keeps working: a later save goes through and becomes latest.
    const next = await runChild([root, "v3", "none"]);
    expect(next.code).toBe(0);
    expect(checkStore(root).latest).toEqual({ "crash-model": "crash-model:v3" });
  });
});
