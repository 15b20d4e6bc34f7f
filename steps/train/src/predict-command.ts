import { resolve } from "node:path";
import {
  loadSettings,
  type SettingsArguments,
  type TrainSettingsArguments,
  withSettingsOptions,
  withTrainSettingsOptions,
} from "@ct/config";
import {
  type CommandFactory,
  createLogger,
  defineCommand,
  parseModelName,
  printSummary,
  UsageError,
} from "@ct/step-kit";
import { predictCsv } from "@ct/training";
import { engineOptionsOf } from "./shared-options.ts";

interface PredictArguments extends SettingsArguments, TrainSettingsArguments {
  model_name: string;
  version: string;
  input: string;
  output: string;
  json: boolean;
}

const VERSION_PATTERN = /^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$/;

/** `predict`: score raw feature rows with a stored model (its own scalers and engine). */
export const predictCommand: CommandFactory = defineCommand<PredictArguments>((context) => ({
  command: "predict",
  describe: "score raw feature rows (CSV with the snapshot's columns) with a model from the model store",
  builder: (args) =>
    // `--version` is the model version here: without `.version(false)` yargs' own --version
    // (the CLI's, always set by its default) answered every `ct predict` with ct's version, exit 0.
    withTrainSettingsOptions(withSettingsOptions(args.version(false)))
      .option("model_name", { alias: "model-name", type: "string", default: "credit_score_classification" })
      .option("version", { type: "string", default: "latest", describe: "model version, or latest" })
      .option("input", {
        type: "string",
        demandOption: true,
        describe: "CSV of raw rows (header = column names)",
      })
      .option("output", { type: "string", demandOption: true, describe: "predictions CSV to write" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print a one-line JSON summary on stdout",
      }) as never,
  handler: async (argv) => {
    const modelName = parseModelName(argv.model_name);
    if (!VERSION_PATTERN.test(argv.version) || argv.version.length > 63)
      throw new UsageError(
        `invalid --version ${JSON.stringify(argv.version)}: expected "latest" or a version of lowercase letters, digits, '-', '_', '.'`,
      );
    const settings = loadSettings({
      flags: argv as unknown as Record<string, unknown>,
      env: context.env,
      cwd: context.cwd,
    });
    const logger = createLogger("predict", context.stderr);
    const summary = await predictCsv({
      storeRoot: settings.modelStorePath,
      tag: `${modelName}:${argv.version}`,
      inputCsv: resolve(context.cwd, argv.input),
      outputCsv: resolve(context.cwd, argv.output),
      engineOptions: engineOptionsOf(settings),
    });
    logger.info(
      `scored ${summary.rows} rows with ${summary.model} into ${summary.output}${summary.accuracy === undefined ? "" : ` (accuracy ${summary.accuracy.toFixed(4)} against the input's labels)`}`,
    );
    printSummary(context, argv.json, { command: "predict", status: "ok", ...summary });
  },
}));
