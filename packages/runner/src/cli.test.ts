import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliContext, isProcessAlive, runCli } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRunnerCli, createFakeRepository, runnerCommands } from "../test-support/index.ts";
import { runLockPath } from "./lock.ts";
import type { SetUpOptions } from "./setup.ts";

const isRoot = process.getuid?.() === 0;
let root: string;
let cli: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  root = await createFakeRepository(await mkdtemp(join(tmpdir(), "ct-runner-cli-repo-")));
  cli = await buildRunnerCli();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await cli?.remove();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A working folder of its own per test: the default host folders land in <work>/.ct. */
async function workdir(): Promise<string> {
  return mkdtemp(join(root, "work-"));
}

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: "/nonexistent-home",
    CT_SECRETS_DIR: "/nonexistent-secrets",
    FEATURE_STORE_URL: "mysql://ct:s3cret-pw@127.0.0.1:3306/mlops",
    ...extra,
  };
}

/** `ct <args>` in this process, through runCli and the same command handlers as `ct`. */
async function ct(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  options: SetUpOptions = {},
): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CliContext = {
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: environment(env),
    cwd,
  };
  const code = await runCli(
    { scriptName: "ct", version: "0.0.0", commands: runnerCommands({ repositoryRoot: root, ...options }) },
    args,
    context,
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** The bundled CLI as a child process (real signals). */
function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli.path, ...args], {
    cwd,
    env: { ...environment(env), CT_TEST_REPOSITORY_ROOT: root },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) waiter.resolve();
  });
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<Run>((resolvePromise) =>
    child.once("close", (code, signal) =>
      resolvePromise({ code: code ?? 128 + (signal ? 2 : 0), stdout, stderr }),
    ),
  );
  const seen = (text: string): Promise<void> =>
    new Promise((resolvePromise, reject) => {
      if (stderr.includes(text)) return resolvePromise();
      const timer = setTimeout(
        () => reject(new Error(`never saw ${JSON.stringify(text)} in:\n${stderr}`)),
        30_000,
      );
      waiters.push({
        text,
        resolve: () => {
          clearTimeout(timer);
          resolvePromise();
        },
      });
    });
  return { child, exited, seen };
}

async function runsOf(
  cwd: string,
): Promise<Array<{ step: string; date: string; status: string; start: number; end: number }>> {
  const text = await readFile(join(cwd, ".ct", "artifacts", "runs.log"), "utf8").catch(() => "");
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [step = "", , date = "", status = "", start = "0", end = "0"] = line.split(" ");
      return { step, date, status, start: Number(start), end: Number(end) };
    });
}

/** Kills, by pid, a fake step a killed runner left behind. */
async function killLeftover(cwd: string, step: string): Promise<void> {
  const pid = Number(await readFile(join(cwd, ".ct", "artifacts", `${step}.pid`), "utf8").catch(() => "0"));
  if (pid > 0 && isProcessAlive(pid)) process.kill(pid, "SIGKILL");
}

describe("ct run --local", () => {
  it("runs every step, prints progress and prefixed logs on stderr and the summary on stdout", async () => {
    const cwd = await workdir();
    const result = await ct(
      ["run", "--local", "--model_name", "m", "--base_dt", "2025-02-14", "--json"],
      cwd,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("executor: local processes");
    expect(result.stderr).toContain("preprocess | preprocess: start model=m base_dt=2025-02-14");
    expect(result.stderr).toMatch(/run INFO \[3\/3\] train: ok in \d/);
    expect(result.stderr).toContain('"featureStoreUrl":"mysql://ct:***@127.0.0.1:3306/mlops"');
    expect(`${result.stdout}${result.stderr}`).not.toContain("s3cret-pw");
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ command: "run", status: "ok", exit_code: 0, executor: "local" });
    expect((await runsOf(cwd)).map((run) => run.step)).toEqual(["extract", "preprocess", "train"]);
    for (const folder of ["artifacts", "model-store", "mlruns"]) {
      expect((await stat(join(cwd, ".ct", folder))).isDirectory()).toBe(true);
    }
    // The lock is gone after the run.
    expect(existsSync(runLockPath(join(cwd, ".ct", "artifacts"), "m", "2025-02-14"))).toBe(false);
  });

  it("gives the train step --model_config (and refuses a missing file)", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "small.yaml"), "grid: {depth: [4]}\n");
    const result = await ct(
      ["run", "--local", "--model_name", "m", "--base_dt", "2025-02-14", "--model_config", "small.yaml"],
      cwd,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `train      | train: model_config ${join(cwd, "small.yaml")} says grid: {depth: [4]}`,
    );
    expect(result.stderr).not.toContain("preprocess: model_config");
    const missing = await ct(
      ["run", "--local", "--model_name", "m", "--base_dt", "2025-02-14", "--model_config", "nope.yaml"],
      cwd,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('invalid --model_config "nope.yaml": no such file');
  });

  it("exits with the failing step's code, says which, and runs only the --steps asked for", async () => {
    const cwd = await workdir();
    const failed = await ct(
      ["run", "--local", "--model_name", "m_preprocess.exit3", "--base_dt", "2025-02-14"],
      cwd,
    );
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain(
      "ct: error: model m_preprocess.exit3 base_dt 2025-02-14: step preprocess failed with exit code 3",
    );
    const subset = await ct(
      ["run", "--local", "--steps", "train,preprocess", "--base_dt", "2025-02-15"],
      cwd,
    );
    expect(subset.code).toBe(0);
    expect(subset.stderr).toContain("steps preprocess → train");
    expect((await runsOf(cwd)).filter((run) => run.date === "2025-02-15").map((run) => run.step)).toEqual([
      "preprocess",
      "train",
    ]);
  });

  it.each([
    [["--steps", "extract,deploy"], 2, 'unknown step "deploy"'],
    [["--lock_timeout", "-1"], 2, "invalid --lock_timeout -1"],
    [["--base_dt", "2025-02-30"], 2, 'invalid base_dt "2025-02-30"'],
    [["--user", "root"], 2, 'invalid --user "root"'],
  ])("rejects %j with exit %i", async (args, code, message) => {
    const result = await ct(["run", "--local", ...args], await workdir());
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it("fails with exit 75 naming the holder's pid when the same model and date is running", async () => {
    const cwd = await workdir();
    const first = ct(
      ["run", "--local", "--model_name", "m_extract.wait1500", "--base_dt", "2025-02-14"],
      cwd,
    );
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 400));
    const second = await ct(
      ["run", "--local", "--model_name", "m_extract.wait1500", "--base_dt", "2025-02-14"],
      cwd,
    );
    expect(second.code).toBe(75);
    expect(second.stderr).toContain(
      `ct: error: model m_extract.wait1500 base_dt 2025-02-14 is being run by pid ${process.pid} (ct run)`,
    );
    expect((await first).code).toBe(0);
  });

  it("waits with --lock_timeout and then runs after the holder, never interleaved", async () => {
    const cwd = await workdir();
    const args = ["run", "--local", "--model_name", "m_preprocess.wait800", "--base_dt", "2025-02-14"];
    const first = ct(args, cwd);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
    const second = await ct([...args, "--lock_timeout", "30"], cwd);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("waiting up to 30s for pid");
    expect((await first).code).toBe(0);
    const runs = await runsOf(cwd);
    expect(runs).toHaveLength(6);
    const firstRunEnd = Math.max(...runs.slice(0, 3).map((run) => run.end));
    expect(Math.min(...runs.slice(3).map((run) => run.start))).toBeGreaterThanOrEqual(firstRunEnd);
  });

  it("runs different dates of the same model in parallel", async () => {
    const cwd = await workdir();
    const model = "m_extract.wait1000";
    const [a, b] = await Promise.all([
      ct(["run", "--local", "--model_name", model, "--base_dt", "2025-02-14"], cwd),
      ct(["run", "--local", "--model_name", model, "--base_dt", "2025-02-15"], cwd),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const extract = (await runsOf(cwd)).filter((run) => run.step === "extract");
    expect(extract).toHaveLength(2);
    const [x, y] = extract as [(typeof extract)[0], (typeof extract)[0]];
    // Their extract steps overlapped in time.
    expect(Math.max(x.start, y.start)).toBeLessThan(Math.min(x.end, y.end));
  });

  it("warns when it cannot give the folders to the user the steps run as (not root)", async () => {
    const cwd = await workdir();
    const result = await ct(
      ["run", "--local", "--steps", "extract", "--user", "1001:1001"],
      cwd,
      {},
      {
        currentUser: { uid: 1000, gid: 1000 },
      },
    );
    expect(result.stderr).toContain(
      "run WARN the steps run as 1001:1001, but only root can give folders away: folders created now belong to 1000:1000",
    );
  });

  it("fails clearly without a usable Docker engine, or with a remote one", async () => {
    const cwd = await workdir();
    const down = await ct(["run", "--base_dt", "2025-02-14"], cwd, {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("ct: error: cannot reach the Docker engine");
    expect(down.stderr).toContain("--local");
    const remote = await ct(["run", "--base_dt", "2025-02-14"], cwd, { DOCKER_HOST: "tcp://10.1.2.3:2375" });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("is not a local unix socket");
  });

  it.skipIf(!isRoot)(
    "as root under sudo, runs the steps as the invoking user and gives them the folders",
    async () => {
      const cwd = await workdir();
      // A sudo user's working folder is one they can enter (mkdtemp makes it 0700, for root).
      await chmod(cwd, 0o755);
      const result = await ct(["run", "--local", "--base_dt", "2025-02-14"], cwd, {
        SUDO_UID: "1000",
        SUDO_GID: "1000",
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("owned by 1000:1000 (SUDO_UID/SUDO_GID)");
      expect(result.stderr).toContain("uid=1000 gid=1000");
      for (const path of [
        ".ct",
        ".ct/artifacts",
        ".ct/artifacts/locks",
        ".ct/model-store",
        ".ct/mlruns",
        ".ct/artifacts/runs.log",
      ]) {
        const info = await stat(join(cwd, path));
        expect([path, info.uid, info.gid]).toEqual([path, 1000, 1000]);
      }
    },
  );
});

describe("ct backfill --local", () => {
  it("stops at the failing date with its code and resumes after the last finished date", async () => {
    const cwd = await workdir();
    const args = ["backfill", "--local", "--model_name", "m", "--from", "2025-02-14", "--to", "2025-02-16"];
    const failed = await ct([...args, "--json"], cwd, { FAKE_FAIL: "train:2025-02-15:4" });
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain(
      "ct: error: backfill of m stopped at 2025-02-15: step train failed with exit code 4",
    );
    expect(JSON.parse(failed.stdout)).toMatchObject({
      status: "failed",
      exit_code: 4,
      failed_date: "2025-02-15",
    });
    const resumed = await ct([...args, "--json"], cwd);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: "ok",
      skipped: ["2025-02-14"],
      dates: [{ base_dt: "2025-02-15" }, { base_dt: "2025-02-16" }],
    });
    const dates = (await runsOf(cwd)).filter((run) => run.step === "extract").map((run) => run.date);
    expect(dates).toEqual(["2025-02-14", "2025-02-15", "2025-02-15", "2025-02-16"]);
  });
});

describe("the runner as a process", () => {
  let child: ChildProcess | undefined;

  it("on SIGINT stops the running step, removes its lock and exits 130", async () => {
    const cwd = await workdir();
    const run = spawnCli(
      ["run", "--local", "--model_name", "m_preprocess.wait30000", "--base_dt", "2025-02-14"],
      cwd,
    );
    child = run.child;
    await run.seen("preprocess: waiting 30000ms");
    const stepPid = Number(await readFile(join(cwd, ".ct", "artifacts", "preprocess.pid"), "utf8"));
    const started = Date.now();
    run.child.kill("SIGINT");
    const result = await run.exited;
    expect(result.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain("preprocess | preprocess: got SIGTERM, exiting 130");
    expect(result.stderr).toContain("[2/3] preprocess: interrupted after");
    expect(result.stderr).toContain(
      "ct: error: model m_preprocess.wait30000 base_dt 2025-02-14: interrupted during preprocess",
    );
    expect(isProcessAlive(stepPid)).toBe(false);
    expect(
      existsSync(runLockPath(join(cwd, ".ct", "artifacts"), "m_preprocess.wait30000", "2025-02-14")),
    ).toBe(false);
    expect((await runsOf(cwd)).map((entry) => `${entry.step}:${entry.status}`)).toEqual([
      "extract:ok",
      "preprocess:interrupted",
    ]);
  });

  it("holds the lock against other processes; a lock left by a killed runner is stale and taken over", async () => {
    const cwd = await workdir();
    const model = "m_extract.wait4000";
    const run = spawnCli(["run", "--local", "--model_name", model, "--base_dt", "2025-02-14"], cwd);
    child = run.child;
    await run.seen("extract: waiting 4000ms");
    const held = await ct(["run", "--local", "--model_name", model, "--base_dt", "2025-02-14"], cwd);
    expect(held.code).toBe(75);
    expect(held.stderr).toContain(`is being run by pid ${run.child.pid} (ct run)`);
    // SIGKILL: the runner cannot clean up, its lock file stays behind.
    run.child.kill("SIGKILL");
    await run.exited;
    await killLeftover(cwd, "extract");
    expect(existsSync(runLockPath(join(cwd, ".ct", "artifacts"), model, "2025-02-14"))).toBe(true);
    const after = await ct(
      ["run", "--local", "--model_name", "m", "--steps", "train", "--base_dt", "2025-02-14"],
      cwd,
    );
    expect(after.code).toBe(0);
    const takeover = await ct(
      ["run", "--local", "--model_name", model, "--steps", "train", "--base_dt", "2025-02-14"],
      cwd,
    );
    expect(takeover.code).toBe(0);
    expect(takeover.stderr).toContain(`removing the stale lock of pid ${run.child.pid}`);
  });

  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });
});
