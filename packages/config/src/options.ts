import type { Argv } from "yargs";

export interface SettingsArguments {
  feature_store_url: string | undefined;
  artifacts_path: string | undefined;
  timezone: string | undefined;
  env_file: string | undefined;
}

/** Adds the flags that override settings (`--artifacts_path`, …; kebab-case aliases too). */
export function withSettingsOptions<T>(args: Argv<T>): Argv<T & SettingsArguments> {
  return args
    .option("feature_store_url", {
      alias: "feature-store-url",
      type: "string",
      describe:
        "feature store URL mysql://user@host:port/db (env FEATURE_STORE_URL; prefer FEATURE_STORE_PASSWORD_FILE for the password)",
    })
    .option("artifacts_path", {
      alias: "artifacts-path",
      type: "string",
      describe: "artifacts folder (env ARTIFACTS_PATH, default ./artifacts)",
    })
    .option("timezone", {
      type: "string",
      describe: "time zone of the default base_dt (env CT_TIMEZONE, default Asia/Seoul)",
    })
    .option("env_file", {
      alias: "env-file",
      type: "string",
      describe: "dotenv file to read (env CT_ENV_FILE, default ./.env)",
    }) as unknown as Argv<T & SettingsArguments>;
}

export interface TrainSettingsArguments {
  model_store_path: string | undefined;
  mlflow_tracking_uri: string | undefined;
  catboost_bin: string | undefined;
}

/** The settings flags only training and serving use (`--model_store_path`, …). */
export function withTrainSettingsOptions<T>(args: Argv<T>): Argv<T & TrainSettingsArguments> {
  return args
    .option("model_store_path", {
      alias: "model-store-path",
      type: "string",
      describe: "BentoML-compatible model store (env MODEL_STORE_PATH, else BENTOML_HOME, default ~/bentoml)",
    })
    .option("mlflow_tracking_uri", {
      alias: "mlflow-tracking-uri",
      type: "string",
      describe:
        "MLflow tracking: a folder, file:// or http(s):// URI (env MLFLOW_TRACKING_URI, default ./mlruns)",
    })
    .option("catboost_bin", {
      alias: "catboost-bin",
      type: "string",
      describe: "catboost CLI binary (env CATBOOST_BIN, else `catboost` on PATH)",
    }) as unknown as Argv<T & TrainSettingsArguments>;
}
