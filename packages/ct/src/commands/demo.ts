import { loadSettings, redactUrl, type SettingsArguments, withSettingsOptions } from "@ct/config";
import { openFeatureStore, runExtract } from "@ct/feature-store";
import { runPreprocess } from "@ct/preprocessing";
import {
  addDays,
  type CommandFactory,
  createLogger,
  DEFAULT_MODEL_NAME,
  defineCommand,
  parseBaseDt,
  parseModelName,
  printSummary,
  UsageError,
} from "@ct/step-kit";
import { type TrainOptionsArguments, trainWithArguments, withTrainOptions } from "@ct/train";
import { DEFAULT_SYNTHETIC, seedWithSettings } from "./seed.ts";

const DEMO_BASE_DT = addDays(DEFAULT_SYNTHETIC.startDate, DEFAULT_SYNTHETIC.days - 1);

/** `ct demo`: seed synthetic data, then run every step that exists for one date. */
interface DemoArguments extends SettingsArguments, TrainOptionsArguments {
  base_dt: string;
  model_name: string;
  json: boolean;
  demo_database: string;
}

export const demoCommand: CommandFactory = defineCommand<DemoArguments>((context) => ({
  command: "demo",
  describe: "seed synthetic data (resetting the tables) and run extract, preprocess and train for one date",
  builder: (args) =>
    withTrainOptions(withSettingsOptions(args))
      .option("base_dt", {
        alias: "base-dt",
        type: "string",
        default: DEMO_BASE_DT,
        describe: "date to run the steps for",
      })
      .option("model_name", {
        alias: "model-name",
        type: "string",
        default: DEFAULT_MODEL_NAME,
        describe: "model name",
      })
      .option("demo_database", {
        alias: "demo-database",
        type: "string",
        default: "ct_demo",
        describe: "database the demo creates and resets on the configured server (never the configured one)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print a one-line JSON summary on stdout",
      }),
  handler: async (argv) => {
    const configured = loadSettings({ flags: argv, env: context.env, cwd: context.cwd });
    if (!/^[A-Za-z0-9_]{1,64}$/.test(argv.demo_database)) {
      throw new UsageError(
        `invalid --demo_database ${JSON.stringify(argv.demo_database)}: expected letters, digits and '_'`,
      );
    }
    // The demo resets its tables: it works in its own database on the configured server.
    const demoUrl = new URL(configured.featureStoreUrl);
    demoUrl.pathname = `/${argv.demo_database}`;
    const settings = { ...configured, featureStoreUrl: demoUrl.toString() };
    const baseDt = parseBaseDt(argv.base_dt);
    const modelName = parseModelName(argv.model_name);
    const logger = createLogger("demo", context.stderr);
    const source = {
      kind: "synthetic" as const,
      options: { ...DEFAULT_SYNTHETIC, startDate: addDays(baseDt, -(DEFAULT_SYNTHETIC.days - 1)) },
    };
    const seeded = await seedWithSettings(settings, source, { reset: true, createDatabase: true, logger });
    const store = await openFeatureStore(settings.featureStoreUrl, {
      retrySeconds: settings.featureStoreRetrySeconds,
      logger,
    });
    let extracted: Awaited<ReturnType<typeof runExtract>>;
    let preprocessed: Awaited<ReturnType<typeof runPreprocess>>;
    try {
      extracted = await runExtract(store, { baseDt, logger: createLogger("extract", context.stderr) });
      preprocessed = await runPreprocess(store, {
        modelName,
        baseDt,
        artifactsPath: settings.artifactsPath,
        logger: createLogger("preprocess", context.stderr),
      });
    } finally {
      await store.close();
    }
    const trained = await trainWithArguments(
      argv,
      { settings, modelName, baseDt, logger: createLogger("train", context.stderr) },
      context,
    );
    logger.info(
      `demo done: model ${trained.model.tag} (validation accuracy ${trained.validationAccuracy.toFixed(4)}) in ${settings.modelStorePath}, runs in ${redactUrl(settings.mlflowTrackingUri)}`,
    );
    printSummary(context, argv.json, {
      step: "demo",
      status: "ok",
      seeded: seeded.rows,
      extracted,
      preprocessed,
      trained,
    });
  },
}));
