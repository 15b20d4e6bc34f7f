// Fault: a connection reset in the middle of a synthetic seed's bulk load (the server stays up —
// what a freshly started container or a network blip does). The loopback proxy cuts every socket
// when the first `LOAD DATA` goes by and accepts new connections afterwards. The seed must load
// that batch again (LOAD DATA … REPLACE is idempotent) and end with exactly the rows of an
// undisturbed seed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bins,
  createFaultDatabase,
  type FaultDatabase,
  runBin,
  startCuttingProxy,
  tableFingerprint,
  testServerAddress,
} from "../test-support/index.ts";

const SEED_ARGS = ["seed", "--days", "5", "--rows_per_day", "40", "--start_date", "2025-02-01", "--json"];
let reference: FaultDatabase;
let disturbed: FaultDatabase;

beforeAll(async () => {
  reference = await createFaultDatabase("seed_reset_ref");
  disturbed = await createFaultDatabase("seed_reset");
});
afterAll(async () => {
  await reference?.drop();
  await disturbed?.drop();
});

describe("connection reset during ct seed", () => {
  it("loads the batch again and ends with the same rows as an undisturbed seed", async () => {
    const clean = await runBin(bins.ct, SEED_ARGS, { FEATURE_STORE_URL: reference.url });
    expect(clean.code, clean.stderr).toBe(0);

    const proxy = await startCuttingProxy({
      target: testServerAddress(),
      trigger: "LOAD DATA",
      reconnect: true,
    });
    try {
      const proxied = new URL(disturbed.url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const seeded = await runBin(bins.ct, SEED_ARGS, {
        FEATURE_STORE_URL: proxied.toString(),
        FEATURE_STORE_RETRY_SECONDS: "10",
      });
      expect(proxy.triggered()).toBe(true);
      expect(seeded.code, seeded.stderr).toBe(0);
      expect(seeded.stderr).toMatch(/connection lost \(\w+\), attempt 1; loading the batch again/);
      expect(JSON.parse(seeded.stdout).rows).toEqual(JSON.parse(clean.stdout).rows);
    } finally {
      await proxy.close();
    }
    for (const table of ["customer_info", "credit_score", "credit_score_features"]) {
      expect(await tableFingerprint(disturbed.store, table)).toBe(
        await tableFingerprint(reference.store, table),
      );
    }
  });
});
