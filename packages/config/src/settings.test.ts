import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@ct/step-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redactUrl } from "./redact.ts";
import { DEFAULT_FEATURE_STORE_URL, describeSettings, loadSettings } from "./settings.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noSecrets = (extra: Record<string, string> = {}) => ({
  CT_SECRETS_DIR: join(dir, "no-secrets"),
  ...extra,
});

describe("loadSettings", () => {
  it("has defaults, resolved against the working directory", () => {
    const settings = loadSettings({ env: noSecrets(), cwd: dir });
    expect(settings).toEqual({
      featureStoreUrl: DEFAULT_FEATURE_STORE_URL,
      featureStoreRetrySeconds: 30,
      artifactsPath: join(dir, "artifacts"),
      timeZone: "Asia/Seoul",
      modelStorePath: join(dir, "bentoml"),
      mlflowTrackingUri: join(dir, "mlruns"),
      executableSearchPath: "",
    });
  });

  it("defaults the model store to BENTOML_HOME, then ~/bentoml, and keeps URIs as given", () => {
    expect(loadSettings({ env: noSecrets({ HOME: "/home/u" }), cwd: dir }).modelStorePath).toBe(
      "/home/u/bentoml",
    );
    const settings = loadSettings({
      env: noSecrets({
        HOME: "/home/u",
        BENTOML_HOME: "store",
        MLFLOW_TRACKING_URI: "http://user:pw@mlflow:5000",
        MLFLOW_TRACKING_TOKEN: "tok3n",
      }),
      cwd: dir,
    });
    expect(settings.modelStorePath).toBe(join(dir, "store"));
    expect(settings.mlflowTrackingUri).toBe("http://user:pw@mlflow:5000");
    const shown = JSON.stringify(describeSettings(settings));
    expect(shown).not.toContain("pw@");
    expect(shown).not.toContain("tok3n");
  });

  it("applies flags > environment > .env > defaults", async () => {
    await writeFile(
      join(dir, ".env"),
      "ARTIFACTS_PATH=/from/dotenv\nCT_TIMEZONE=Europe/Paris\nFEATURE_STORE_RETRY_SECONDS=5\n",
    );
    const env = noSecrets({ CT_TIMEZONE: "America/New_York", FEATURE_STORE_RETRY_SECONDS: "7" });
    const fromEnv = loadSettings({ env, cwd: dir });
    expect(fromEnv.artifactsPath).toBe("/from/dotenv");
    expect(fromEnv.timeZone).toBe("America/New_York");
    expect(fromEnv.featureStoreRetrySeconds).toBe(7);
    const fromFlags = loadSettings({ flags: { timezone: "UTC", artifacts_path: "rel" }, env, cwd: dir });
    expect(fromFlags.timeZone).toBe("UTC");
    expect(fromFlags.artifactsPath).toBe(join(dir, "rel"));
  });

  it("reads secrets from NAME_FILE and from the secrets directory", async () => {
    await writeFile(join(dir, "url"), "mysql://app@db.internal:3307/features\n");
    await writeFile(join(dir, "feature_store_password"), "p@ss:w/rd\n");
    const settings = loadSettings({
      env: { CT_SECRETS_DIR: dir, FEATURE_STORE_URL_FILE: join(dir, "url") },
      cwd: dir,
    });
    const url = new URL(settings.featureStoreUrl);
    expect(url.host).toBe("db.internal:3307");
    expect(url.username).toBe("app");
    expect(decodeURIComponent(url.password)).toBe("p@ss:w/rd");
    expect(JSON.stringify(describeSettings(settings))).not.toContain("p%40ss");
    expect(describeSettings(settings).featureStoreUrl).toBe("mysql://app:***@db.internal:3307/features");
  });

  it("an environment password beats the secrets directory", async () => {
    await writeFile(join(dir, "feature_store_password"), "from-file");
    const settings = loadSettings({
      env: { CT_SECRETS_DIR: dir, FEATURE_STORE_PASSWORD: "from-env" },
      cwd: dir,
    });
    expect(new URL(settings.featureStoreUrl).password).toBe("from-env");
  });

  it("lists every bad setting at once, never echoing the password", () => {
    const attempt = () =>
      loadSettings({
        env: noSecrets({
          FEATURE_STORE_URL: "postgres://u:hunter2@h/db",
          CT_TIMEZONE: "Mars/Base",
          FEATURE_STORE_RETRY_SECONDS: "-1",
        }),
        cwd: dir,
      });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(
      /featureStoreUrl: unsupported scheme "postgres:".*featureStoreRetrySeconds: .*timeZone: not an IANA time zone/,
    );
    expect(attempt).not.toThrow(/hunter2/);
  });

  it("rejects a URL without a database", () => {
    expect(() =>
      loadSettings({ env: noSecrets({ FEATURE_STORE_URL: "mysql://root@localhost:3306" }), cwd: dir }),
    ).toThrow(/names no database/);
  });

  it("fails clearly on a missing secret file or env file", () => {
    expect(() =>
      loadSettings({ env: noSecrets({ FEATURE_STORE_PASSWORD_FILE: join(dir, "absent") }), cwd: dir }),
    ).toThrow(/cannot read FEATURE_STORE_PASSWORD_FILE file .*absent.*ENOENT/);
    expect(() => loadSettings({ flags: { env_file: "missing.env" }, env: noSecrets(), cwd: dir })).toThrow(
      /env file "missing.env" does not exist/,
    );
  });
});

describe("redactUrl", () => {
  it("hides passwords and secret-looking query values", () => {
    expect(redactUrl("mysql://u:secret@h:1/db?ssl=true&password=x")).toBe(
      "mysql://u:***@h:1/db?ssl=true&password=***",
    );
    expect(redactUrl("not a url //u:secret@h")).toBe("not a url //u:***@h");
    expect(redactUrl("mysql://u@h/db")).toBe("mysql://u@h/db");
  });
});
