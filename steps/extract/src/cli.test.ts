import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openFeatureStore } from "@ct/feature-store";
import { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "@ct/feature-store/test-support";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("extract_cli");
  const store = await openFeatureStore(database.url, { retrySeconds: 0 });
  await loadReferenceDatabase(store.pool);
  await store.close();
});
afterAll(() => database?.drop());

function runBin(args: string[], env: Record<string, string> = {}) {
  return runBuiltBin(bin, args, { FEATURE_STORE_URL: database.url, ...env });
}

describe("ct-extract (built bin)", () => {
  it("snapshots a day and prints a JSON summary with --json", () => {
    const { code, stdout, stderr } = runBin(["--base-dt", "2025-02-10", "--json"]);
    expect(stderr).toContain("inserted 772 rows");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      step: "extract",
      status: "ok",
      baseDt: "2025-02-10",
      insertedRows: 772,
      snapshots: ["2025-02-10"],
    });
  });

  it.each([
    [["--base_dt", "2025-02-30"], 'invalid base_dt "2025-02-30"'],
    [["--base_dt", "2025-02-10' OR 1=1 --"], "invalid base_dt"],
    [["--model_name", "../etc"], 'invalid model_name "../etc"'],
    [["--model_name", "x;DROP TABLE t"], "invalid model_name"],
    [["--bogus"], "Unknown argument: bogus"],
  ])("rejects %j with exit 2 and one line", (args, message) => {
    const { code, stderr, stdout } = runBin(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).toBe("");
  });

  it("exits 4 when the feature store is unreachable, without printing the password", () => {
    const { code, stderr } = runBin(["--base_dt", "2025-02-10"], {
      FEATURE_STORE_URL: "mysql://ct:Sup3rSecret@127.0.0.1:1/mlops",
      FEATURE_STORE_RETRY_SECONDS: "1",
    });
    expect(code).toBe(4);
    expect(stderr).toMatch(/ct-extract: error: feature store ct@127\.0\.0\.1:1\/mlops is unreachable/);
    expect(stderr).not.toContain("Sup3rSecret");
    expect(stderr).toContain("mysql://ct:***@127.0.0.1:1/mlops");
  });

  it("stops retrying an unreachable feature store on SIGTERM and exits 130", async () => {
    const child = spawn(process.execPath, [bin, "--base_dt", "2025-02-10"], {
      env: {
        PATH: process.env.PATH ?? "",
        FEATURE_STORE_URL: "mysql://ct@127.0.0.1:1/mlops",
        FEATURE_STORE_RETRY_SECONDS: "60",
        CT_SECRETS_DIR: "/nonexistent",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (!stderr.includes("retrying in")) await new Promise((resolve) => setTimeout(resolve, 20));
    const sent = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, stderr).toBe(130);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(stderr).toContain("interrupted by SIGTERM");
  });

  it("prints help and version", () => {
    const help = runBin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--model_name");
    expect(help.stdout).toContain("--base_dt");
    const version = runBin(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
