import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Settings } from "@ct/config";
import { parse as parseDotenv } from "dotenv";

/** The host folders a run reads and writes, all absolute. */
export interface HostFolders {
  /** The project folder the defaults live under (`./.ct`, as for the compose stack). */
  readonly home: string;
  readonly artifacts: string;
  readonly modelStore: string;
  /** The MLflow file store, unless tracking goes to a server (`remoteTracking`). */
  readonly mlruns: string | undefined;
  /** An `http(s)://` tracking URI: no folder, the steps talk to the server. */
  readonly remoteTracking: string | undefined;
}

/** What `resolveHostFolders` looks at: the same inputs as `loadSettings`, plus the loaded settings. */
export interface HostFoldersInput {
  /** Parsed flags (`artifacts_path`, `model_store_path`, `mlflow_tracking_uri`, `env_file`, `home`). */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly settings: Settings;
}

interface FolderSetting {
  readonly flag: string;
  readonly env: string;
  /** Secret settings may also come from `<NAME>_FILE` or the secrets directory. */
  readonly secret: boolean;
  /** Other variables that set it (BentoML's `BENTOML_HOME` for the model store). */
  readonly alsoSetBy: readonly string[];
  /** The compose stack's variable for the same host folder. */
  readonly composeVariable: string;
  readonly defaultName: string;
}

const ARTIFACTS: FolderSetting = {
  flag: "artifacts_path",
  env: "ARTIFACTS_PATH",
  secret: false,
  alsoSetBy: [],
  composeVariable: "CT_ARTIFACTS_DIR",
  defaultName: "artifacts",
};
const MODEL_STORE: FolderSetting = {
  flag: "model_store_path",
  env: "MODEL_STORE_PATH",
  secret: false,
  alsoSetBy: ["BENTOML_HOME"],
  composeVariable: "CT_MODEL_STORE_DIR",
  defaultName: "model-store",
};
const MLRUNS: FolderSetting = {
  flag: "mlflow_tracking_uri",
  env: "MLFLOW_TRACKING_URI",
  secret: true,
  alsoSetBy: [],
  composeVariable: "CT_MLRUNS_DIR",
  defaultName: "mlruns",
};

/** The variables of the dotenv file `loadSettings` reads (the same lookup: --env_file, CT_ENV_FILE, ./.env). */
function dotenvOf(input: HostFoldersInput): Record<string, string> {
  const explicit = typeof input.flags.env_file === "string" ? input.flags.env_file : input.env.CT_ENV_FILE;
  const path = resolve(input.cwd, explicit ?? ".env");
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

function isConfigured(
  setting: FolderSetting,
  input: HostFoldersInput,
  dotenv: Record<string, string>,
): boolean {
  const flag = input.flags[setting.flag];
  if (flag !== undefined && flag !== null && flag !== "") return true;
  const names = [setting.env, ...setting.alsoSetBy, ...(setting.secret ? [`${setting.env}_FILE`] : [])];
  if (names.some((name) => input.env[name] || dotenv[name])) return true;
  if (!setting.secret) return false;
  const secretsDir = input.env.CT_SECRETS_DIR ?? dotenv.CT_SECRETS_DIR ?? "/run/secrets";
  return existsSync(join(secretsDir, setting.env.toLowerCase()));
}

/**
 * The host folders of a run. Each is the setting (`--artifacts_path`, `ARTIFACTS_PATH`, `.env`,
 * …, resolved exactly as every ct command does) when one is configured; else the compose stack's
 * variable (`CT_ARTIFACTS_DIR`, …) when set; else a folder under one project folder, `--home` /
 * `CT_HOME` (default `./.ct`): `.ct/artifacts`, `.ct/model-store`, `.ct/mlruns` — the compose
 * stack's defaults, so `ct run` and `docker compose run` share their outputs.
 */
export function resolveHostFolders(input: HostFoldersInput): HostFolders {
  const { env, cwd, settings, flags } = input;
  const dotenv = dotenvOf(input);
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(cwd, path));
  const homeFlag = typeof flags.home === "string" && flags.home !== "" ? flags.home : undefined;
  const home = absolute(homeFlag ?? env.CT_HOME ?? ".ct");
  const folder = (setting: FolderSetting, configured: string): string => {
    if (isConfigured(setting, input, dotenv)) return configured;
    const compose = env[setting.composeVariable];
    return compose ? absolute(compose) : join(home, setting.defaultName);
  };
  const artifacts = folder(ARTIFACTS, settings.artifactsPath);
  const modelStore = folder(MODEL_STORE, settings.modelStorePath);
  const uri = settings.mlflowTrackingUri;
  let mlruns: string | undefined;
  let remoteTracking: string | undefined;
  if (/^https?:\/\//i.test(uri)) {
    remoteTracking = uri;
  } else if (/^file:/i.test(uri)) {
    mlruns = folder(MLRUNS, fileURLToPath(uri));
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) {
    // Another scheme (databricks, …): passed through as is.
    remoteTracking = uri;
  } else {
    mlruns = folder(MLRUNS, absolute(uri));
  }
  return { home, artifacts, modelStore, mlruns, remoteTracking };
}
