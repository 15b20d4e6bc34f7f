// Fault: a leaked secret. A unique random feature-store password is given the three supported
// ways (in FEATURE_STORE_URL, FEATURE_STORE_PASSWORD, FEATURE_STORE_PASSWORD_FILE / the secrets
// directory); seed, extract, preprocess and failing runs must never print it or write it to a file,
// and it must never sit on a process's command line (what `ps` shows to every user).

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bins,
  closedPort,
  createFaultDatabase,
  createTempDir,
  type FaultDatabase,
  filesContaining,
  listTree,
  runBin,
  startBin,
  type TempDir,
} from "../test-support/index.ts";

const password = `pw_${randomBytes(12).toString("hex")}`;
const user = `ct_faults_${randomBytes(3).toString("hex")}`;
const hosts = ["%", "localhost", "127.0.0.1"];
let db: FaultDatabase;
let root: TempDir;
let artifacts: string;
let secretsDir: string;
let passwordFile: string;
let urlWithoutPassword: string;
let urlWithPassword: string;

beforeAll(async () => {
  db = await createFaultDatabase("secrets");
  for (const host of hosts) {
    await db.store.pool.query("CREATE USER ?@? IDENTIFIED BY ?", [user, host, password]);
    await db.store.pool.query(`GRANT ALL ON ${db.store.pool.escapeId(db.database.name)}.* TO ?@?`, [
      user,
      host,
    ]);
  }
  root = createTempDir("secrets");
  artifacts = join(root.path, "artifacts");
  secretsDir = join(root.path, "secrets");
  mkdirSync(secretsDir);
  writeFileSync(join(secretsDir, "feature_store_password"), `${password}\n`, { mode: 0o400 });
  passwordFile = join(root.path, "password.txt");
  writeFileSync(passwordFile, password, { mode: 0o400 });
  const url = new URL(db.url);
  url.username = user;
  urlWithoutPassword = url.toString();
  url.password = password;
  urlWithPassword = url.toString();
});
afterAll(async () => {
  for (const host of hosts) await db?.store.pool.query("DROP USER IF EXISTS ?@?", [user, host]);
  root?.remove();
  await db?.drop();
});

describe("a feature-store password never leaks", () => {
  it("seed, extract, preprocess and failing runs with --json: not in stdout, stderr or any written file", async () => {
    const base = { ARTIFACTS_PATH: artifacts };
    const port = await closedPort();
    const runs: { bin: string; args: string[]; env: Record<string, string>; code: number }[] = [
      // password inside the URL (environment)
      {
        bin: bins.ct,
        args: ["seed", "--days", "35", "--rows_per_day", "40", "--start_date", "2025-01-11"],
        env: { FEATURE_STORE_URL: urlWithPassword },
        code: 0,
      },
      // FEATURE_STORE_PASSWORD
      {
        bin: bins.extract,
        args: ["--base_dt", "2025-02-14"],
        env: { FEATURE_STORE_URL: urlWithoutPassword, FEATURE_STORE_PASSWORD: password },
        code: 0,
      },
      // FEATURE_STORE_PASSWORD_FILE
      {
        bin: bins.preprocess,
        args: ["--model_name", "by_file", "--base_dt", "2025-02-14"],
        env: { FEATURE_STORE_URL: urlWithoutPassword, FEATURE_STORE_PASSWORD_FILE: passwordFile },
        code: 0,
      },
      // the secrets directory (Docker/Compose secrets)
      {
        bin: bins.ct,
        args: ["preprocess", "--model_name", "by_dir", "--base_dt", "2025-02-14"],
        env: { FEATURE_STORE_URL: urlWithoutPassword, CT_SECRETS_DIR: secretsDir },
        code: 0,
      },
      // failing: nothing listens (exit 4), with the password in the URL and in a file
      {
        bin: bins.extract,
        args: ["--base_dt", "2025-02-14"],
        env: {
          FEATURE_STORE_URL: urlWithPassword.replace(/:3306\//, `:${port}/`),
          FEATURE_STORE_RETRY_SECONDS: "1",
        },
        code: 4,
      },
      {
        bin: bins.preprocess,
        args: ["--base_dt", "2025-02-14"],
        env: {
          FEATURE_STORE_URL: `mysql://${user}@ct-no-such-host.invalid:3306/x`,
          CT_SECRETS_DIR: secretsDir,
          FEATURE_STORE_RETRY_SECONDS: "1",
        },
        code: 4,
      },
      // failing: a wrong password is refused at once (exit 4); the real one is not echoed either
      {
        bin: bins.extract,
        args: ["--base_dt", "2025-02-14"],
        env: { FEATURE_STORE_URL: urlWithoutPassword, FEATURE_STORE_PASSWORD: `${password}x` },
        code: 4,
      },
      // failing: a malformed URL holding the password (exit 2: settings)
      {
        bin: bins.ct,
        args: ["extract", "--base_dt", "2025-02-14"],
        env: { FEATURE_STORE_URL: urlWithPassword.replace(":3306", ":port") },
        code: 2,
      },
    ];
    for (const run of runs) {
      const result = await runBin(run.bin, [...run.args, "--json"], { ...base, ...run.env });
      const what = `${run.args.join(" ")} ${Object.keys(run.env).join(",")}`;
      expect(result.code, `${what}\n${result.stderr}`).toBe(run.code);
      expect(result.stdout, what).not.toContain(password);
      expect(result.stderr, what).not.toContain(password);
      if (run.code === 0) expect(JSON.parse(result.stdout), what).toMatchObject({ status: "ok" });
      else expect(result.stderr.trim().split("\n").at(-1), what).toMatch(/: error: /);
    }
    // The redacted form is what is printed.
    const logged = await runBin(bins.extract, ["--base_dt", "2025-02-14"], {
      ...base,
      FEATURE_STORE_URL: urlWithPassword,
    });
    expect(logged.stderr).toContain(`${user}:***@127.0.0.1`);
    expect(logged.stderr).not.toContain(password);

    const written = listTree(artifacts);
    expect(written).toContain("preprocessing/by_file/2025-02-14/manifest.json");
    expect(written).toContain("preprocessing/by_dir/2025-02-14/encoders/robust_scaler.json");
    expect(filesContaining(artifacts, password)).toEqual([]);
    // Nothing else was written anywhere in the test's folder except the two secrets it created.
    expect(filesContaining(root.path, password).sort()).toEqual([
      "password.txt",
      "secrets/feature_store_password",
    ]);
  });

  it.each([
    ["FEATURE_STORE_PASSWORD", (): Record<string, string> => ({ FEATURE_STORE_PASSWORD: password })],
    [
      "FEATURE_STORE_PASSWORD_FILE",
      (): Record<string, string> => ({ FEATURE_STORE_PASSWORD_FILE: passwordFile }),
    ],
    ["CT_SECRETS_DIR", (): Record<string, string> => ({ CT_SECRETS_DIR: secretsDir })],
  ])("given by %s, the password is on no command line (/proc/<pid>/cmdline, ps)", async (how, env) => {
    const port = await closedPort();
    const child = startBin(bins.extract, ["--base_dt", "2025-02-14"], {
      FEATURE_STORE_URL: `mysql://${user}@127.0.0.1:${port}/x`,
      FEATURE_STORE_RETRY_SECONDS: "30",
      ...env(),
    });
    try {
      await child.waitForStderr("retrying in"); // running, password loaded, connecting
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`);
      expect(cmdline.toString()).toContain("steps/extract/dist/bin.js");
      expect(cmdline.includes(Buffer.from(password))).toBe(false);
      const ps = spawnSync("ps", ["-eww", "-o", "pid=,args="], { encoding: "utf8" });
      expect(ps.stdout).toContain(String(child.pid));
      expect(ps.stdout).not.toContain(password);
      // From a file, it is not in the process's environment either.
      const environ = readFileSync(`/proc/${child.pid}/environ`);
      expect(environ.includes(Buffer.from(password))).toBe(how === "FEATURE_STORE_PASSWORD");
    } finally {
      child.child.kill("SIGTERM"); // stops the retries at once: exit 130
      const result = await child.done;
      expect(result.code).toBe(130);
      expect(result.stderr).not.toContain(password);
    }
  });
});
