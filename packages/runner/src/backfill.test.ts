import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createLogger, UsageError } from "@ct/step-kit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFakeRepository, FAKE_STEPS } from "../test-support/index.ts";
import { backfillStatePath, dateRange, readBackfillState, runBackfill } from "./backfill.ts";
import { LocalExecutor, type LocalStepCommand } from "./local-executor.ts";
import { runLockPath } from "./lock.ts";

let root: string;
let artifacts: string;

beforeAll(async () => {
  root = await createFakeRepository(await mkdtemp(join(tmpdir(), "ct-runner-backfill-")));
  artifacts = join(root, "artifacts");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
});

function executor(env: Record<string, string> = {}): LocalExecutor {
  const commands: Record<string, LocalStepCommand> = {};
  for (const step of FAKE_STEPS) {
    commands[step] = { command: process.execPath, args: [join(root, "steps", step, "dist", "bin.js")] };
  }
  return new LocalExecutor({
    commands,
    env: { PATH: process.env.PATH ?? "", ARTIFACTS_PATH: artifacts, ...env },
    cwd: root,
  });
}

async function backfill(
  options: { from?: string; to?: string; env?: Record<string, string>; restart?: boolean } = {},
) {
  const progress: string[] = [];
  const result = await runBackfill({
    executor: executor(options.env),
    steps: FAKE_STEPS,
    modelName: "m",
    from: options.from ?? "2025-02-14",
    to: options.to ?? "2025-02-17",
    artifactsPath: artifacts,
    logger: createLogger("backfill", { write: (chunk: string) => progress.push(chunk) }),
    output: { write: () => true },
    lockTimeoutSeconds: 0,
    restart: options.restart ?? false,
  });
  return { result, progress: progress.join("") };
}

/** `<step>@<date>:<status>` for every step run so far, in order. */
async function runs(): Promise<string[]> {
  const text = await readFile(join(artifacts, "runs.log"), "utf8").catch(() => "");
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [step, , date, status] = line.split(" ");
      return `${step}@${date}:${status}`;
    });
}

const all = (date: string) => FAKE_STEPS.map((step) => `${step}@${date}:ok`);

describe("dateRange", () => {
  it("lists every date, both ends included, across month and leap-day borders", () => {
    expect(dateRange("2024-02-27", "2024-03-01")).toEqual([
      "2024-02-27",
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
    expect(dateRange("2025-02-14", "2025-02-14")).toEqual(["2025-02-14"]);
  });
  it("rejects a reversed, invalid or too long range", () => {
    expect(() => dateRange("2025-02-15", "2025-02-14")).toThrow(/--from 2025-02-15 is after --to 2025-02-14/);
    expect(() => dateRange("2025-02-30", "2025-03-01")).toThrow(UsageError);
    expect(() => dateRange("2000-01-01", "2025-01-01")).toThrow(/more than 3660 dates/);
  });
});

describe("runBackfill", () => {
  it("runs the dates in order, stops at a failing date with its code, and resumes after the last finished one", async () => {
    const failed = await backfill({ env: { FAKE_FAIL: "preprocess:2025-02-15:3" } });
    expect(failed.result).toMatchObject({
      status: "failed",
      exitCode: 3,
      failedDate: "2025-02-15",
      skipped: [],
    });
    expect(
      failed.result.dates.map((date) => [date.baseDt, date.status, date.exitCode, date.failedStep]),
    ).toEqual([
      ["2025-02-14", "ok", 0, undefined],
      ["2025-02-15", "failed", 3, "preprocess"],
    ]);
    expect(failed.progress).toContain("backfill stopped at 2025-02-15");
    expect(await runs()).toEqual([
      ...all("2025-02-14"),
      "extract@2025-02-15:ok",
      "preprocess@2025-02-15:failed",
    ]);
    const statePath = backfillStatePath(artifacts, "m", "2025-02-14", "2025-02-17", FAKE_STEPS);
    expect(statePath).toBe(
      join(artifacts, "runner", "m", "backfill_2025-02-14_2025-02-17_extract+preprocess+train.json"),
    );
    expect(await readBackfillState(statePath)).toMatchObject({
      last_finished: "2025-02-14",
      completed: false,
    });

    const resumed = await backfill();
    expect(resumed.result).toMatchObject({ status: "ok", exitCode: 0, skipped: ["2025-02-14"] });
    expect(resumed.result.dates.map((date) => date.baseDt)).toEqual([
      "2025-02-15",
      "2025-02-16",
      "2025-02-17",
    ]);
    expect(resumed.progress).toContain("resuming after 2025-02-14");
    expect((await runs()).slice(5)).toEqual([
      ...all("2025-02-15"),
      ...all("2025-02-16"),
      ...all("2025-02-17"),
    ]);
    expect(await readBackfillState(statePath)).toMatchObject({
      last_finished: "2025-02-17",
      completed: true,
    });

    const again = await backfill();
    expect(again.result).toMatchObject({ status: "ok", exitCode: 0, dates: [] });
    expect(again.result.skipped).toHaveLength(4);
    expect(again.progress).toContain("all 4 date(s) already finished");
    expect(await runs()).toHaveLength(14);

    const restarted = await backfill({ restart: true, from: "2025-02-14", to: "2025-02-17" });
    expect(restarted.result.dates).toHaveLength(4);
    expect(await runs()).toHaveLength(26);
  });

  it("keeps one state per range and step list", async () => {
    await backfill({ from: "2025-02-14", to: "2025-02-15" });
    const other = await backfill({ from: "2025-02-15", to: "2025-02-16" });
    expect(other.result.skipped).toEqual([]);
    expect(other.result.dates.map((date) => date.baseDt)).toEqual(["2025-02-15", "2025-02-16"]);
  });

  it("stops with exit 75 at a date another run holds, after finishing the dates before it", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      const lock = runLockPath(artifacts, "m", "2025-02-15");
      await mkdir(dirname(lock), { recursive: true });
      await writeFile(
        lock,
        JSON.stringify({
          pid: holder.pid,
          hostname: hostname(),
          since: "now",
          command: "ct run",
          token: "x",
        }),
      );
      const { result } = await backfill();
      expect(result).toMatchObject({ status: "failed", exitCode: 75, failedDate: "2025-02-15" });
      expect(result.message).toContain(`is being run by pid ${holder.pid} (ct run)`);
      expect(await runs()).toEqual(all("2025-02-14"));
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("rejects a corrupt state file instead of guessing", async () => {
    const statePath = backfillStatePath(artifacts, "m", "2025-02-14", "2025-02-17", FAKE_STEPS);
    await mkdir(dirname(statePath), { recursive: true });
    await writeFile(statePath, "{ not json");
    await expect(backfill()).rejects.toThrow(/is not valid; remove it, or pass --restart/);
    expect((await backfill({ restart: true })).result.status).toBe("ok");
  });
});
