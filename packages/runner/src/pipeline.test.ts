import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CtError, createLogger, InterruptedError } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeRepository, FAKE_STEPS } from "../test-support/index.ts";
import type { StepOutput } from "./lines.ts";
import { LocalExecutor, type LocalStepCommand } from "./local-executor.ts";
import { failureOf, runSteps } from "./pipeline.ts";

const isRoot = process.getuid?.() === 0;
let root: string;
let artifacts: string;

beforeAll(async () => {
  root = await createFakeRepository(await mkdtemp(join(tmpdir(), "ct-runner-pipeline-")));
  artifacts = join(root, "artifacts");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function sink() {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join("") };
}

function fakeCommands(extra: Record<string, LocalStepCommand> = {}): Record<string, LocalStepCommand> {
  const commands: Record<string, LocalStepCommand> = {};
  for (const step of FAKE_STEPS) {
    const bin = join(root, "steps", step, "dist", "bin.js");
    commands[step] = { command: process.execPath, args: [bin], requires: bin, hint: "build it" };
  }
  return { ...commands, ...extra };
}

async function freshArtifacts(owner?: { uid: number; gid: number }): Promise<void> {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  if (owner) await chmod(artifacts, 0o777);
}

async function runsLog(): Promise<string[][]> {
  const text = await readFile(join(artifacts, "runs.log"), "utf8").catch(() => "");
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" "));
}

function executor(options: Partial<ConstructorParameters<typeof LocalExecutor>[0]> = {}): LocalExecutor {
  return new LocalExecutor({
    commands: fakeCommands(),
    env: {
      PATH: process.env.PATH ?? "",
      ARTIFACTS_PATH: artifacts,
      FEATURE_STORE_URL: "mysql://ct@db:3306/mlops",
    },
    secrets: { feature_store_password: "s3cret-pw" },
    cwd: root,
    ...options,
  });
}

async function run(modelName: string, extra: { executor?: LocalExecutor; signal?: AbortSignal } = {}) {
  const output = sink();
  const progress = sink();
  const result = await runSteps({
    executor: extra.executor ?? executor(),
    steps: FAKE_STEPS,
    modelName,
    baseDt: "2025-02-14",
    logger: createLogger("run", progress),
    output,
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
  return { result, output: output.text(), progress: progress.text() };
}

describe("runSteps with local processes", () => {
  it("runs the steps in order, each line prefixed with its step, with durations", async () => {
    await freshArtifacts();
    const { result, output, progress } = await run("m");
    expect(result).toMatchObject({ status: "ok", exitCode: 0, modelName: "m", baseDt: "2025-02-14" });
    expect(result.steps.map((step) => [step.step, step.status, step.exitCode])).toEqual([
      ["extract", "ok", 0],
      ["preprocess", "ok", 0],
      ["train", "ok", 0],
    ]);
    expect((await runsLog()).map(([step, , , status]) => `${step}:${status}`)).toEqual([
      "extract:ok",
      "preprocess:ok",
      "train:ok",
    ]);
    expect(output).toContain("extract    | extract: start model=m base_dt=2025-02-14");
    expect(output).toContain("preprocess | preprocess: stdout ünïcödé ✓\n");
    expect(output).toContain("train      | train: half a line\n");
    // The password reaches the step as a file, never in its environment or on its command line.
    expect(output).toContain(
      "train      | train: url=mysql://ct@db:3306/mlops password_file=9chars password_env=unset",
    );
    expect(output).not.toContain("s3cret-pw");
    expect(progress).toMatch(/\[1\/3\] extract: started \(.*steps\/extract\/dist\/bin\.js\)/);
    expect(progress).toMatch(/\[3\/3\] train: ok in \d+\.\ds/);
    expect(progress).toMatch(/model_name=m base_dt=2025-02-14: 3 step\(s\) ok in/);
    expect(failureOf(result)).toBeUndefined();
  });

  it("stops at the first failure and takes its exit code; later steps do not run", async () => {
    await freshArtifacts();
    const { result, output, progress } = await run("m_preprocess.exit3");
    expect(result).toMatchObject({ status: "failed", exitCode: 3, failedStep: "preprocess" });
    expect(result.steps.map((step) => step.status)).toEqual(["ok", "failed", "not_run"]);
    expect((await runsLog()).map(([step]) => step)).toEqual(["extract", "preprocess"]);
    expect(output).toContain("preprocess | preprocess: failing with exit code 3");
    expect(progress).toContain("[2/3] preprocess: failed with exit code 3 after");
    expect(progress).toContain("not run: train");
    const failure = failureOf(result, "model m: ");
    expect(failure).toBeInstanceOf(CtError);
    expect(failure?.exitCode).toBe(3);
    expect(failure?.message).toBe("model m: step preprocess failed with exit code 3");
  });

  it("passes through any exit code, and 128 + n for a step killed by a signal", async () => {
    await freshArtifacts();
    expect((await run("m_extract.exit42")).result.exitCode).toBe(42);
    const killed = executor({
      commands: fakeCommands({
        extract: { command: process.execPath, args: ["-e", "process.kill(process.pid, 'SIGKILL')", "--"] },
      }),
    });
    const { result, progress } = await run("m", { executor: killed });
    expect(result).toMatchObject({ status: "failed", exitCode: 137, failedStep: "extract" });
    expect(progress).toContain("killed by SIGKILL (exit code 137)");
  });

  it("reports a step that cannot start as failed with exit 1", async () => {
    const broken = executor({
      commands: fakeCommands({ preprocess: { command: join(root, "nope"), args: [] } }),
    });
    const { result, progress } = await run("m", { executor: broken });
    expect(result).toMatchObject({ status: "failed", exitCode: 1, failedStep: "preprocess" });
    expect(progress).toMatch(/preprocess: could not run: cannot start .*nope/);
  });

  it("on abort (Ctrl-C) stops the running step, leaves no process, and ends interrupted with 130", async () => {
    await freshArtifacts();
    const controller = new AbortController();
    const output = sink();
    const started = Date.now();
    const running = runSteps({
      executor: executor(),
      steps: FAKE_STEPS,
      modelName: "m_preprocess.wait30000",
      baseDt: "2025-02-14",
      logger: createLogger("run", sink()),
      output: {
        write: (chunk: string) => {
          output.write(chunk);
          if (chunk.includes("waiting 30000ms"))
            controller.abort(new InterruptedError("interrupted by SIGINT"));
          return true;
        },
      },
      signal: controller.signal,
    });
    const result = await running;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ status: "interrupted", exitCode: 130, failedStep: "preprocess" });
    expect(result.steps.map((step) => step.status)).toEqual(["ok", "interrupted", "not_run"]);
    // The step got SIGTERM and cleaned up (its own exit 130) before the run returned.
    expect(output.text()).toContain("preprocess | preprocess: got SIGTERM, exiting 130");
    expect((await runsLog()).map(([step, , , status]) => `${step}:${status}`)).toEqual([
      "extract:ok",
      "preprocess:interrupted",
    ]);
    expect(failureOf(result)).toBeInstanceOf(InterruptedError);
    expect(failureOf(result)?.exitCode).toBe(130);
  });

  it("kills a step that ignores SIGTERM after the grace period", async () => {
    const stubborn = executor({
      killGraceMs: 300,
      commands: fakeCommands({
        extract: {
          command: process.execPath,
          args: ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"],
        },
      }),
    });
    const controller = new AbortController();
    const exits: number[] = [];
    const output: StepOutput = { line: (_stream, text) => text === "ready" && controller.abort() };
    const exit = await stubborn.run({ step: "extract", args: [], labels: {} }, output, controller.signal);
    exits.push(exit.exitCode);
    expect(exit).toEqual({ exitCode: 137, signal: "SIGKILL" });
  });

  it("removes the secrets folder after each step", async () => {
    const mine = async () =>
      (await readdir(tmpdir())).filter((name) => name.startsWith(`ct-run-secrets-${process.pid}-`));
    await freshArtifacts();
    await run("m");
    expect(await mine()).toEqual([]);
  });

  it("checks that every bundle exists before the first step", async () => {
    const missing = executor({
      commands: fakeCommands({
        train: { command: process.execPath, args: [], requires: "/no/train.js", hint: "build it" },
      }),
    });
    await expect(missing.prepare(FAKE_STEPS)).rejects.toThrow(
      "cannot run locally: /no/train.js is missing: build it",
    );
    await expect(executor().prepare(FAKE_STEPS)).resolves.toBeUndefined();
  });

  it.skipIf(!isRoot)("as root, runs the steps as the invoking user so their files are theirs", async () => {
    await freshArtifacts({ uid: 1000, gid: 1000 });
    const { result, output } = await run("m", { executor: executor({ user: { uid: 1000, gid: 1000 } }) });
    expect(result.status).toBe("ok");
    expect(output).toContain("extract    | extract: start model=m base_dt=2025-02-14 uid=1000 gid=1000");
    // The secret file was given to that user too: the step could read it.
    expect(output).toContain("password_file=9chars");
    const log = await stat(join(artifacts, "runs.log"));
    expect([log.uid, log.gid]).toEqual([1000, 1000]);
  });
});
