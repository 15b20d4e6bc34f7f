// Issue 6, item 8 on the train side: the feature store's password and the MLflow token, present
// in the environment as a deployment would have them, never reach the MLflow tree (params, tags,
// metrics, artifacts), the model store (model.yaml metadata, ct_model.json) or the output.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTempDir, filesContaining } from "../test-support/index.ts";
import { type TrainPlaces, train, writePreprocessOutputs } from "../test-support/train-inputs.ts";

const MODEL = "fault_train_secrets";
const dir = createTempDir("train-secrets");
afterAll(() => dir.remove());

describe("secrets on the train side", () => {
  it("never writes the feature-store password or the MLflow token anywhere", async () => {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const token = `tok-${randomBytes(12).toString("hex")}`;
    const places: TrainPlaces = {
      artifacts: join(dir.path, "artifacts"),
      store: join(dir.path, "store"),
      mlruns: join(dir.path, "mlruns"),
      tmp: join(dir.path, "tmp"),
    };
    mkdirSync(places.tmp, { recursive: true });
    await writePreprocessOutputs(places.artifacts, MODEL);
    const secrets = {
      FEATURE_STORE_URL: `mysql://ct:${password}@127.0.0.1:3306/mlops`,
      FEATURE_STORE_PASSWORD: password,
      MLFLOW_TRACKING_TOKEN: token,
    };

    const ok = train(places, MODEL, undefined, secrets);
    expect(ok.code, ok.stderr).toBe(0);
    // A failing run prints its settings and an error too.
    const bad = train(places, MODEL, ["--param", "no_such_param=1"], secrets);
    expect(bad.code).toBe(2);

    for (const output of [ok.stdout, ok.stderr, bad.stdout, bad.stderr]) {
      expect(output).not.toContain(password);
      expect(output).not.toContain(token);
    }
    // The settings line shows the URL redacted, so the check above is not vacuous.
    expect(ok.stderr).toContain("mysql://ct:***@127.0.0.1:3306/mlops");
    expect(filesContaining(dir.path, password)).toEqual([]);
    expect(filesContaining(dir.path, token)).toEqual([]);
    // What was searched: the MLflow runs and the saved model exist.
    expect(filesContaining(places.mlruns, MODEL).length).toBeGreaterThan(0);
    expect(filesContaining(places.store, MODEL).length).toBeGreaterThan(0);
  });
});
