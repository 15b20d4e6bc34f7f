// The Docker executor against a real engine: tiny images built FROM a local node base image with
// the fake steps of test-support (never the real ct-<step> images: these are ct-runnertest-<step>).
// Skipped, with the reason in the suite's name, when `docker info` fails or the base image is
// missing (bash scripts/ensure-docker.sh starts an engine; scripts/build-base-images.sh builds
// node:20-bookworm-slim offline). CT_TEST_NODE_IMAGE names another base image.
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliContext, runCli } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRunnerCli, createFakeRepository, FAKE_STEPS, runnerCommands } from "../test-support/index.ts";

const IMAGE_PREFIX = "ct-runnertest-";
const BASE_IMAGE = process.env.CT_TEST_NODE_IMAGE ?? "node:20-bookworm-slim";

function docker(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function skipReason(): string | undefined {
  const info = docker(["info", "--format", "{{.ServerVersion}}"]);
  if (info.code !== 0) {
    const why = (info.stderr || "docker CLI not found").trim().split("\n")[0];
    return `\`docker info\` failed (${why}); bash scripts/ensure-docker.sh starts an engine`;
  }
  if (docker(["image", "inspect", BASE_IMAGE]).code !== 0) {
    return `base image ${BASE_IMAGE} is not present; bash scripts/build-base-images.sh builds it offline`;
  }
  return undefined;
}

const reason = skipReason();
if (reason) console.warn(`docker runner tests skipped: ${reason}`);
// A name of this test run's own: labels and folders never mix with another run's.
const RUN = `rt${Date.now().toString(36)}`;

let root: string;
let cli: { path: string; remove: () => Promise<void> };

/** Containers of this test run still there (running or not). */
function leftovers(): string[] {
  const listed = docker([
    "ps",
    "-a",
    "--filter",
    "label=ct.runner=1",
    "--format",
    '{{.ID}} {{.Label "ct.model_name"}}',
  ]);
  return listed.stdout
    .trim()
    .split("\n")
    .filter((line) => line.includes(RUN));
}

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: "/nonexistent-home",
    CT_SECRETS_DIR: "/nonexistent-secrets",
    // 127.0.0.1: the runner must pick the host network for it.
    FEATURE_STORE_URL: "mysql://ct:s3cret-pw@127.0.0.1:3306/mlops",
    CT_UID: "1000",
    CT_GID: "1000",
    ...(process.env.CT_TEST_NODE_IMAGE ? { NODE_IMAGE: process.env.CT_TEST_NODE_IMAGE } : {}),
    ...extra,
  };
}

async function ct(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CliContext = {
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: environment(),
    cwd,
  };
  const commands = runnerCommands({ repositoryRoot: root, imageName: (step) => `${IMAGE_PREFIX}${step}` });
  const code = await runCli({ scriptName: "ct", version: "0.0.0", commands }, args, context);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

function spawnCli(args: string[], cwd: string) {
  const child = spawn(process.execPath, [cli.path, ...args], {
    cwd,
    env: { ...environment(), CT_TEST_REPOSITORY_ROOT: root, CT_TEST_IMAGE_PREFIX: IMAGE_PREFIX },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolvePromise) =>
    child.once("close", (code) => resolvePromise({ code, stderr })),
  );
  const seen = async (text: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (!stderr.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never saw ${text}:\n${stderr}`);
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
    }
  };
  return { child, exited, seen };
}

async function workdir(): Promise<string> {
  const dir = await mkdtemp(join(root, "work-"));
  await chmod(dir, 0o755);
  return dir;
}

describe.skipIf(reason !== undefined)(
  reason ? `docker executor (skipped: ${reason})` : "docker executor, real engine",
  () => {
    beforeAll(async () => {
      root = await createFakeRepository(await mkdtemp(join(tmpdir(), "ct-runner-docker-")));
      cli = await buildRunnerCli();
    });
    afterAll(async () => {
      for (const line of leftovers()) docker(["rm", "-f", line.split(" ")[0] ?? ""]);
      for (const step of FAKE_STEPS) {
        docker(["rmi", "-f", `${IMAGE_PREFIX}${step}:latest`, `${IMAGE_PREFIX}${step}:0.0.0-test`]);
      }
      if (root) await rm(root, { recursive: true, force: true });
      await cli?.remove();
    });

    it("builds the images, runs the steps as containers in order as the invoking user, streams their logs, removes them", async () => {
      const cwd = await workdir();
      const model = `${RUN}_ok`;
      await writeFile(join(cwd, "model.yaml"), "params: {iterations: 5}\n");
      const result = await ct(
        ["run", "--model_name", model, "--base_dt", "2025-02-14", "--json", "--model_config", "model.yaml"],
        cwd,
      );
      expect(result.stderr).not.toContain("s3cret-pw");
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/built ct-runnertest-extract:0\.0\.0-test, ct-runnertest-extract:latest/);
      expect(result.stderr).toContain("network host (127.0.0.1 is this machine");
      for (const step of FAKE_STEPS) {
        const prefix = step.padEnd(10);
        expect(result.stderr).toContain(
          `${prefix} | ${step}: start model=${model} base_dt=2025-02-14 uid=1000 gid=1000`,
        );
        // URL without the password in the environment; the password as a secret file.
        expect(result.stderr).toContain(
          `${prefix} | ${step}: url=mysql://ct@127.0.0.1:3306/mlops password_file=9chars password_env=unset`,
        );
        expect(result.stderr).toContain(`${prefix} | ${step}: stdout ünïcödé ✓`);
        // Least privilege: read-only image, a writable tmpfs at /tmp, no capability at all (not
        // even in the bounding set), no_new_privs. Seen from inside the container.
        expect(result.stderr).toMatch(
          new RegExp(
            `${prefix} \\| ${step}: confinement root=\\S+:ro tmp=tmpfs:rw tmp_writable=yes CapEff=0{16} CapBnd=0{16} NoNewPrivs=1`,
          ),
        );
        expect(result.stderr).toContain(`${prefix} | ${step}: half a line`);
      }
      // The model config reaches train only, mounted read-only at /config.
      expect(result.stderr).toContain(
        "train      | train: model_config /config/model-config.yaml says params: {iterations: 5}",
      );
      expect(result.stderr).not.toContain("preprocess | preprocess: model_config");
      expect(result.stderr).toMatch(/\[3\/3\] train: ok in/);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: "ok", executor: "docker", network: "host" });
      // preprocess and train wrote into the mounted artifacts folder, as uid 1000.
      const runs = (await readFile(join(cwd, ".ct", "artifacts", "runs.log"), "utf8")).trim().split("\n");
      expect(runs.map((line) => line.split(" ")[0])).toEqual(["preprocess", "train"]);
      // Nothing root-owned on the host: the folders the runner made and the files the steps wrote.
      for (const path of [
        ".ct",
        ".ct/artifacts",
        ".ct/model-store",
        ".ct/mlruns",
        ".ct/artifacts/runs.log",
      ]) {
        const info = await stat(join(cwd, path));
        expect([path, info.uid, info.gid]).toEqual([path, 1000, 1000]);
      }
      expect(leftovers()).toEqual([]);
    });

    it("stops at a failing container with its exit code and leaves no container behind", async () => {
      const cwd = await workdir();
      const model = `${RUN}_preprocess.exit3`;
      const result = await ct(["run", "--no-build", "--model_name", model, "--base_dt", "2025-02-14"], cwd);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain("preprocess | preprocess: failing with exit code 3");
      expect(result.stderr).toContain("[2/3] preprocess: failed with exit code 3");
      expect(result.stderr).not.toContain("train      | train: start");
      expect(result.stderr).toContain(
        `ct: error: model ${model} base_dt 2025-02-14: step preprocess failed with exit code 3`,
      );
      expect(leftovers()).toEqual([]);
    });

    it("says which image is missing with --no-build", async () => {
      const result = await ct(
        ["run", "--no-build", "--image_tag", "absent", "--base_dt", "2025-02-14"],
        await workdir(),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("image ct-runnertest-extract:absent does not exist");
    });

    it("on SIGINT stops and removes the running container and exits 130", async () => {
      const cwd = await workdir();
      const model = `${RUN}_train.wait60000`;
      const run = spawnCli(["run", "--no-build", "--model_name", model, "--base_dt", "2025-02-14"], cwd);
      await run.seen("train: waiting 60000ms");
      expect(leftovers()).toHaveLength(1);
      const started = Date.now();
      run.child.kill("SIGINT");
      const result = await run.exited;
      expect(result.code, result.stderr).toBe(130);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.stderr).toContain("train      | train: got SIGTERM, exiting 130");
      expect(result.stderr).toContain("[3/3] train: interrupted after");
      expect(leftovers()).toEqual([]);
    });

    it("removes what a killed runner left, under the same lock, before running again", async () => {
      const cwd = await workdir();
      const model = `${RUN}_extract.wait60000`;
      const run = spawnCli(["run", "--no-build", "--model_name", model, "--base_dt", "2025-02-14"], cwd);
      await run.seen("extract: waiting 60000ms");
      run.child.kill("SIGKILL");
      await run.exited;
      // The killed runner's container still runs, and its lock file is still there.
      expect(leftovers()).toHaveLength(1);
      const again = await ct(
        ["run", "--no-build", "--model_name", model, "--steps", "train", "--base_dt", "2025-02-14"],
        cwd,
      );
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`removing the stale lock of pid ${run.child.pid}`);
      expect(again.stderr).toContain("removed 1 leftover container(s) of an earlier run that was killed");
      expect(leftovers()).toEqual([]);
    });
  },
);
