import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "@ct/config";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { containerStepSettings, localStepSettings } from "./environment.ts";
import { resolveHostFolders } from "./folders.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-runner-folders-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function folders(env: Record<string, string>, flags: Record<string, unknown> = {}) {
  const fullEnv = { CT_SECRETS_DIR: join(dir, "no-secrets"), HOME: "/home/u", ...env };
  const settings = loadSettings({ flags, env: fullEnv, cwd: dir });
  return resolveHostFolders({ flags, env: fullEnv, cwd: dir, settings });
}

describe("resolveHostFolders", () => {
  it("puts everything under one project folder by default: ./.ct, like the compose stack", () => {
    expect(folders({})).toEqual({
      home: join(dir, ".ct"),
      artifacts: join(dir, ".ct", "artifacts"),
      modelStore: join(dir, ".ct", "model-store"),
      mlruns: join(dir, ".ct", "mlruns"),
      remoteTracking: undefined,
    });
    expect(folders({ CT_HOME: "/srv/ct" }).artifacts).toBe("/srv/ct/artifacts");
    expect(folders({ CT_HOME: "/srv/ct" }, { home: "proj" }).modelStore).toBe(
      join(dir, "proj", "model-store"),
    );
  });

  it("uses the settings wherever they are configured: flags, environment, .env, secrets", async () => {
    expect(folders({}, { artifacts_path: "out" }).artifacts).toBe(join(dir, "out"));
    expect(folders({ ARTIFACTS_PATH: "/data/a" }).artifacts).toBe("/data/a");
    expect(folders({ BENTOML_HOME: "/data/bento" }).modelStore).toBe("/data/bento");
    expect(folders({ MLFLOW_TRACKING_URI: "file:///data/runs" }).mlruns).toBe("/data/runs");
    await writeFile(join(dir, ".env"), "ARTIFACTS_PATH=./artifacts\nMODEL_STORE_PATH=/m\n");
    const fromDotenv = folders({});
    // Set to the plain commands' own default value: still an explicit choice, and kept.
    expect(fromDotenv.artifacts).toBe(join(dir, "artifacts"));
    expect(fromDotenv.modelStore).toBe("/m");
    expect(fromDotenv.mlruns).toBe(join(dir, ".ct", "mlruns"));
  });

  it("uses the compose stack's variables when the settings are not configured", () => {
    const result = folders({ CT_ARTIFACTS_DIR: "/c/a", CT_MODEL_STORE_DIR: "/c/m", CT_MLRUNS_DIR: "/c/r" });
    expect(result).toMatchObject({ artifacts: "/c/a", modelStore: "/c/m", mlruns: "/c/r" });
    expect(folders({ CT_ARTIFACTS_DIR: "/c/a", ARTIFACTS_PATH: "/s/a" }).artifacts).toBe("/s/a");
  });

  it("has no mlruns folder when tracking goes to a server", () => {
    const result = folders({ MLFLOW_TRACKING_URI: "https://mlflow.internal:5000" });
    expect(result.mlruns).toBeUndefined();
    expect(result.remoteTracking).toBe("https://mlflow.internal:5000");
  });
});

describe("step settings", () => {
  const env = {
    CT_SECRETS_DIR: "/nonexistent",
    HOME: "/home/u",
    PATH: "/usr/bin",
    FEATURE_STORE_URL: "mysql://app:p%40ss@db:3306/mlops",
    FEATURE_STORE_PASSWORD_FILE: "/unused",
    MLFLOW_TRACKING_TOKEN: "tok3n",
    OTHER: "kept",
  };
  const settingsOf = (extra: Record<string, string> = {}) => {
    const { FEATURE_STORE_PASSWORD_FILE: _unused, ...loadable } = env;
    return loadSettings({ env: { ...loadable, ...extra }, cwd: "/work" });
  };
  const hostFolders = {
    home: "/h",
    artifacts: "/h/artifacts",
    modelStore: "/h/model-store",
    mlruns: "/h/mlruns",
    remoteTracking: undefined,
  };

  it("gives containers the container paths and the URL without its password; secrets as files", () => {
    const { env: containerEnv, secrets } = containerStepSettings(settingsOf(), hostFolders);
    expect(containerEnv).toEqual({
      FEATURE_STORE_URL: "mysql://app@db:3306/mlops",
      FEATURE_STORE_RETRY_SECONDS: "30",
      CT_TIMEZONE: "Asia/Seoul",
      ARTIFACTS_PATH: "/data/artifacts",
      MODEL_STORE_PATH: "/data/model-store",
      MLFLOW_TRACKING_URI: "/data/mlruns",
      CT_SECRETS_DIR: "/run/secrets",
    });
    expect(secrets).toEqual({ feature_store_password: "p@ss", mlflow_tracking_token: "tok3n" });
    expect(JSON.stringify(containerEnv)).not.toMatch(/p%40ss|p@ss|tok3n/);
  });

  it("gives local processes the host folders and this environment minus every secret", () => {
    const { env: localEnv, secrets } = localStepSettings(settingsOf(), hostFolders, env, "/work/.env.ci");
    expect(localEnv).toMatchObject({
      FEATURE_STORE_URL: "mysql://app@db:3306/mlops",
      ARTIFACTS_PATH: "/h/artifacts",
      MODEL_STORE_PATH: "/h/model-store",
      MLFLOW_TRACKING_URI: "/h/mlruns",
      CT_ENV_FILE: "/work/.env.ci",
      PATH: "/usr/bin",
      HOME: "/home/u",
      OTHER: "kept",
    });
    for (const name of ["FEATURE_STORE_PASSWORD_FILE", "MLFLOW_TRACKING_TOKEN", "CT_SECRETS_DIR"]) {
      expect(localEnv).not.toHaveProperty(name);
    }
    expect(secrets.feature_store_password).toBe("p@ss");
  });

  it("passes a tracking server's URI through", () => {
    const remote = { ...hostFolders, mlruns: undefined, remoteTracking: "http://mlflow:5000" };
    const settings = settingsOf({ MLFLOW_TRACKING_URI: "http://mlflow:5000" });
    expect(containerStepSettings(settings, remote).env.MLFLOW_TRACKING_URI).toBe("http://mlflow:5000");
  });
});
