import {
  type SettingsArguments,
  type TrainSettingsArguments,
  withSettingsOptions,
  withTrainSettingsOptions,
} from "@ct/config";
import type { Argv } from "yargs";
import { PIPELINE_STEPS } from "./steps.ts";

/** The options `ct run` and `ct backfill` share. */
export interface RunnerArguments extends SettingsArguments, TrainSettingsArguments {
  steps: string;
  local: boolean;
  build: boolean;
  network: string | undefined;
  lock_timeout: number;
  image_tag: string;
  home: string | undefined;
  user: string | undefined;
  model_config: string | undefined;
}

/** Adds the runner's options and the settings flags (`--artifacts_path`, …) to a command. */
export function withRunnerOptions<T>(args: Argv<T>): Argv<T & RunnerArguments> {
  return (
    withTrainSettingsOptions(withSettingsOptions(args))
      // The host folders default to the project folder here, not to the plain commands' defaults.
      .describe(
        "artifacts_path",
        "host artifacts folder (env ARTIFACTS_PATH, CT_ARTIFACTS_DIR; default <home>/artifacts)",
      )
      .describe(
        "model_store_path",
        "host model store (env MODEL_STORE_PATH, BENTOML_HOME, CT_MODEL_STORE_DIR; default <home>/model-store)",
      )
      .describe(
        "mlflow_tracking_uri",
        "host mlruns folder, or an http(s):// tracking server (env MLFLOW_TRACKING_URI, CT_MLRUNS_DIR; default <home>/mlruns)",
      )
      .describe(
        "catboost_bin",
        "catboost CLI binary for --local (env CATBOOST_BIN; the train image has its own)",
      )
      .option("steps", {
        type: "string",
        default: PIPELINE_STEPS.join(","),
        describe: "steps to run, comma-separated; they always run in pipeline order",
      })
      .option("local", {
        type: "boolean",
        default: false,
        describe: "run the steps as local processes (steps/<step>/dist/bin.js) instead of containers",
      })
      .option("build", {
        type: "boolean",
        default: true,
        describe: "build the step images first (--no-build: use ct-<step>:<image_tag> as it is)",
      })
      .option("network", {
        type: "string",
        describe:
          "Docker network of the step containers (default: host when the feature store URL names 127.0.0.1/localhost, else ct_default when the compose stack runs, else bridge)",
      })
      .option("lock_timeout", {
        alias: "lock-timeout",
        type: "number",
        default: 0,
        describe: "seconds to wait for another run of the same model and date (0: fail at once with exit 75)",
      })
      .option("image_tag", {
        alias: "image-tag",
        type: "string",
        default: "latest",
        describe: "tag of the step images to run (ct-<step>:<image_tag>)",
      })
      .option("home", {
        type: "string",
        describe:
          "project folder of the default host folders artifacts/, model-store/, mlruns/ (env CT_HOME, default ./.ct)",
      })
      .option("user", {
        type: "string",
        describe:
          "uid:gid the steps run as and the host folders belong to (default: CT_UID:CT_GID, else SUDO_UID:SUDO_GID under sudo, else you)",
      })
      .option("model_config", {
        alias: "model-config",
        type: "string",
        describe:
          "model config file (YAML/JSON: columns, grid, params) for the train step; mounted read-only into its container",
      }) as unknown as Argv<T & RunnerArguments>
  );
}
