// Fault: the feature store is down before a step starts (nothing listens on its port).
// ct-extract and ct-preprocess must retry for FEATURE_STORE_RETRY_SECONDS, then exit 4 with one
// clear line, having written nothing.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bins, closedPort, createTempDir, listTree, runBin, type TempDir } from "../test-support/index.ts";

const RETRY_SECONDS = 2;
let artifacts: TempDir;
let port: number;

beforeAll(async () => {
  artifacts = createTempDir("store-down");
  port = await closedPort();
});
afterAll(() => artifacts?.remove());

describe.each([
  ["ct-extract", bins.extract],
  ["ct-preprocess", bins.preprocess],
])("%s with the feature store down", (name, bin) => {
  it(`retries for ${RETRY_SECONDS} s, exits 4 with one line, writes nothing`, async () => {
    const result = await runBin(bin, ["--model_name", "m", "--base_dt", "2025-02-10", "--json"], {
      FEATURE_STORE_URL: `mysql://root@127.0.0.1:${port}/mlops`,
      FEATURE_STORE_RETRY_SECONDS: String(RETRY_SECONDS),
      ARTIFACTS_PATH: artifacts.path,
    });
    expect(result.code, result.stderr).toBe(4);
    // It did retry (several attempts, backing off) for the whole window, and not much longer:
    // 2 s of retries + Node start-up on a loaded 2-core machine.
    expect(result.stderr).toMatch(/not reachable \(ECONNREFUSED\), attempt 2; retrying/);
    expect(result.seconds).toBeGreaterThanOrEqual(RETRY_SECONDS);
    expect(result.seconds).toBeLessThan(RETRY_SECONDS + 8);
    const errors = result.stderr.split("\n").filter((line) => line.includes("error"));
    expect(errors).toEqual([
      `${name}: error: feature store root@127.0.0.1:${port}/mlops is unreachable after retrying for ${RETRY_SECONDS}s: ECONNREFUSED`,
    ]);
    expect(result.stdout).toBe(""); // no success summary
    expect(listTree(artifacts.path)).toEqual([]);
  });
});

describe("ct-extract against a port that accepts and hangs up at once (not a MySQL server)", () => {
  let server: Server;
  let hangUpPort: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    hangUpPort = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("treats it as unreachable: bounded retries, exit 4", async () => {
    const result = await runBin(bins.extract, ["--base_dt", "2025-02-10"], {
      FEATURE_STORE_URL: `mysql://root@127.0.0.1:${hangUpPort}/mlops`,
      FEATURE_STORE_RETRY_SECONDS: String(RETRY_SECONDS),
      ARTIFACTS_PATH: artifacts.path,
    });
    expect(result.code, result.stderr).toBe(4);
    expect(result.seconds).toBeLessThan(RETRY_SECONDS + 8);
    expect(result.stderr).toMatch(/ct-extract: error: feature store .* is unreachable/);
    expect(listTree(artifacts.path)).toEqual([]);
  });
});
