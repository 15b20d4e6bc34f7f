import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A tiny step CLI standing in for ct's real ones: the same contract (`--model_name M --base_dt D`,
 * settings from the environment, secrets from CT_SECRETS_DIR, exit 130 on SIGTERM/SIGINT), with
 * behaviour chosen by the model name, so one can be told to fail or to take its time:
 *   `<step>.exit<N>`  exit with code N          `<step>.wait<MS>`  sleep MS milliseconds first
 * e.g. model name `m_preprocess.exit3_train.wait60000`; or `FAKE_FAIL=<step>:<base_dt>:<code>` in
 * the environment fails one step on one date. Each run appends a line to
 * `$ARTIFACTS_PATH/runs.log` (when that folder exists): `<step> <model> <date> <status> <start> <end>`,
 * and a step writes its pid to `$ARTIFACTS_PATH/<step>.pid` when it starts. Given `--model_config F`,
 * it prints F and F's content.
 */
export function fakeStepSource(step: string): string {
  return `#!/usr/bin/env node
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const step = ${JSON.stringify(step)};
const args = process.argv.slice(2);
const arg = (name) => { const at = args.indexOf("--" + name); return at >= 0 ? args[at + 1] : undefined; };
const model = arg("model_name") ?? "";
const date = arg("base_dt") ?? "";
const directive = (kind) => {
  const match = new RegExp("(?:^|_)" + step + "\\\\." + kind + "(\\\\d+)").exec(model);
  return match ? Number(match[1]) : undefined;
};
const started = Date.now();
const record = (status) => {
  const dir = process.env.ARTIFACTS_PATH;
  if (dir && existsSync(dir)) appendFileSync(join(dir, "runs.log"), [step, model, date, status, started, Date.now()].join(" ") + "\\n");
};
const stop = (signal) => {
  console.error(step + ": got " + signal + ", exiting 130");
  record("interrupted");
  process.exit(130);
};
if (process.env.ARTIFACTS_PATH && existsSync(process.env.ARTIFACTS_PATH)) {
  writeFileSync(join(process.env.ARTIFACTS_PATH, step + ".pid"), String(process.pid));
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
const secretsDir = process.env.CT_SECRETS_DIR;
const passwordFile = secretsDir ? join(secretsDir, "feature_store_password") : "";
const password = passwordFile && existsSync(passwordFile) ? readFileSync(passwordFile, "utf8") : "";
console.error(step + ": start model=" + model + " base_dt=" + date + " uid=" + process.getuid() + " gid=" + process.getgid());
console.error(step + ": url=" + process.env.FEATURE_STORE_URL + " password_file=" + (password ? password.length + "chars" : "none") + " password_env=" + (process.env.FEATURE_STORE_PASSWORD ? "set" : "unset"));
const modelConfig = arg("model_config");
if (modelConfig) console.error(step + ": model_config " + modelConfig + " says " + readFileSync(modelConfig, "utf8").trim());
// How the step is confined (read-only, no writes): the root mount's options, what /tmp is and
// whether it takes a file, the effective and bounding capabilities and no_new_privs.
const mountOf = (point) => {
  try {
    const line = readFileSync("/proc/self/mountinfo", "utf8").split("\\n").filter((l) => l.split(" ")[4] === point).pop();
    if (!line) return "none";
    const fields = line.split(" ");
    return fields[fields.indexOf("-") + 1] + ":" + fields[5].split(",")[0];
  } catch { return "unknown"; }
};
const statusField = (name) => {
  try {
    const line = readFileSync("/proc/self/status", "utf8").split("\\n").find((l) => l.startsWith(name + ":"));
    return line ? line.slice(name.length + 1).trim() : "?";
  } catch { return "?"; }
};
let tmpWritable = "no";
try { const probe = mkdtempSync(join(tmpdir(), "ct-fake-")); rmSync(probe, { recursive: true }); tmpWritable = "yes"; } catch {}
console.error(step + ": confinement root=" + mountOf("/") + " tmp=" + mountOf("/tmp") + " tmp_writable=" + tmpWritable + " CapEff=" + statusField("CapEff") + " CapBnd=" + statusField("CapBnd") + " NoNewPrivs=" + statusField("NoNewPrivs"));
console.log(step + ": stdout ünïcödé ✓");
// One line written in two pieces: the runner must print it whole.
process.stderr.write(step + ": half a ");
await new Promise((resolve) => setTimeout(resolve, 20));
process.stderr.write("line\\n");
const wait = directive("wait");
if (wait !== undefined) {
  console.error(step + ": waiting " + wait + "ms");
  await new Promise((resolve) => setTimeout(resolve, wait));
}
// FAKE_FAIL=<step>:<base_dt>:<code> fails one step on one date (local runs, where the env is the test's).
const [failStep, failDate, failCode] = (process.env.FAKE_FAIL ?? "").split(":");
const code = failStep === step && failDate === date ? Number(failCode) : directive("exit");
if (code !== undefined) {
  console.error(step + ": failing with exit code " + code);
  record("failed");
  process.exit(code);
}
record("ok");
console.error(step + ": done");
`;
}

export const FAKE_STEPS = ["extract", "preprocess", "train"] as const;
export const FAKE_VERSION = "0.0.0-test";

/**
 * Lays out, under `root`, what the runner expects of a ct repository: `pnpm-workspace.yaml` and
 * per step `package.json`, `dist/bin.js` (the fake step) and a `Dockerfile` shaped like the real
 * ones (FROM $NODE_IMAGE, COPY the bundle, non-root user, ENTRYPOINT node /app/bin.js).
 */
export async function createFakeRepository(root: string): Promise<string> {
  await writeFile(join(root, "pnpm-workspace.yaml"), "packages:\n  - steps/*\n");
  for (const step of FAKE_STEPS) {
    const dir = join(root, "steps", step);
    await mkdir(join(dir, "dist"), { recursive: true });
    await writeFile(
      join(dir, "package.json"),
      `${JSON.stringify({ name: `fake-${step}`, version: FAKE_VERSION, type: "module" })}\n`,
    );
    await writeFile(join(dir, "dist", "bin.js"), fakeStepSource(step), { mode: 0o755 });
    await writeFile(
      join(dir, "Dockerfile"),
      [
        "ARG NODE_IMAGE=node:20-bookworm-slim",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a placeholder
        "FROM ${NODE_IMAGE}",
        `COPY steps/${step}/dist/bin.js /app/bin.js`,
        "WORKDIR /app",
        "USER node",
        'ENTRYPOINT ["node", "/app/bin.js"]',
        "",
      ].join("\n"),
    );
  }
  // Readable by any user: tests run steps as uid 1000 when they run as root.
  for (const dir of [root, join(root, "steps")]) await chmod(dir, 0o755);
  return root;
}
