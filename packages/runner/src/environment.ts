import type { Settings } from "@ct/config";
import type { HostFolders } from "./folders.ts";

/** Where the host folders are mounted in the step images (docs/containers.md). */
export const CONTAINER_PATHS = {
  artifacts: "/data/artifacts",
  modelStore: "/data/model-store",
  mlruns: "/data/mlruns",
  /** The train step's model config (`ct run --model_config`), mounted read-only. */
  modelConfig: "/config/model-config",
  secrets: "/run/secrets",
} as const;

/** What a step gets: plain settings as environment variables, secrets as files. */
export interface StepSettings {
  readonly env: Readonly<Record<string, string>>;
  /** File name (as ct reads it from `CT_SECRETS_DIR`) → content. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** Variables that carry secrets or point at them: never passed to a step as they are. */
const SECRET_VARIABLES = [
  "FEATURE_STORE_URL",
  "FEATURE_STORE_PASSWORD",
  "MLFLOW_TRACKING_URI",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_PASSWORD",
];

/** The settings every step gets, wherever it runs: the feature store URL without its password, … */
function commonSettings(settings: Settings): {
  env: Record<string, string>;
  secrets: Record<string, string>;
} {
  const url = new URL(settings.featureStoreUrl);
  const secrets: Record<string, string> = {};
  if (url.password) {
    secrets.feature_store_password = decodeURIComponent(url.password);
    url.password = "";
  }
  if (settings.mlflowTrackingToken !== undefined)
    secrets.mlflow_tracking_token = settings.mlflowTrackingToken;
  if (settings.mlflowTrackingPassword !== undefined)
    secrets.mlflow_tracking_password = settings.mlflowTrackingPassword;
  return {
    env: {
      FEATURE_STORE_URL: url.toString(),
      FEATURE_STORE_RETRY_SECONDS: String(settings.featureStoreRetrySeconds),
      CT_TIMEZONE: settings.timeZone,
      ...(settings.mlflowTrackingUsername === undefined
        ? {}
        : { MLFLOW_TRACKING_USERNAME: settings.mlflowTrackingUsername }),
    },
    secrets,
  };
}

/**
 * The environment of a step container: container paths for the mounted host folders, the feature
 * store URL without password; the password and MLflow credentials go in as secret files.
 */
export function containerStepSettings(settings: Settings, folders: HostFolders): StepSettings {
  const common = commonSettings(settings);
  return {
    env: {
      ...common.env,
      ARTIFACTS_PATH: CONTAINER_PATHS.artifacts,
      MODEL_STORE_PATH: CONTAINER_PATHS.modelStore,
      MLFLOW_TRACKING_URI: folders.remoteTracking ?? CONTAINER_PATHS.mlruns,
      CT_SECRETS_DIR: CONTAINER_PATHS.secrets,
    },
    secrets: common.secrets,
  };
}

/**
 * The environment of a step run as a local process: this process's environment without any
 * secret-bearing variable, plus the host folders and the settings of this run. `envFile` is the
 * dotenv file this run read, so the steps read the same one.
 */
export function localStepSettings(
  settings: Settings,
  folders: HostFolders,
  baseEnv: Readonly<Record<string, string | undefined>>,
  envFile?: string,
): StepSettings {
  const common = commonSettings(settings);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    if (value === undefined) continue;
    const secretish = SECRET_VARIABLES.some((secret) => name === secret || name === `${secret}_FILE`);
    if (secretish || name === "CT_SECRETS_DIR" || name === "BENTOML_HOME") continue;
    env[name] = value;
  }
  return {
    env: {
      ...env,
      ...common.env,
      PATH: settings.executableSearchPath || (baseEnv.PATH ?? ""),
      ARTIFACTS_PATH: folders.artifacts,
      MODEL_STORE_PATH: folders.modelStore,
      MLFLOW_TRACKING_URI: folders.remoteTracking ?? folders.mlruns ?? "",
      ...(settings.catboostBin === undefined ? {} : { CATBOOST_BIN: settings.catboostBin }),
      ...(envFile === undefined ? {} : { CT_ENV_FILE: envFile }),
    },
    secrets: common.secrets,
  };
}
