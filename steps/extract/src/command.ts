import { resolveStepInputs, type SettingsArguments, withSettingsOptions } from "@ct/config";
import { openFeatureStore, runExtract } from "@ct/feature-store";
import {
  type CommandFactory,
  defineCommand,
  printSummary,
  type StepArguments,
  withStepOptions,
} from "@ct/step-kit";

/** `extract`: snapshot the features joined to labels for `base_dt`, keeping a rolling week. */
export const extractCommand: CommandFactory = defineCommand<StepArguments & SettingsArguments>((context) => ({
  command: "extract",
  describe: "snapshot features joined to labels for base_dt into credit_score_features_target (keeps 7 days)",
  builder: (args) => withSettingsOptions(withStepOptions(args)),
  handler: async (argv) => {
    const { settings, modelName, baseDt, logger } = resolveStepInputs("extract", argv, context);
    const retrySeconds = settings.featureStoreRetrySeconds;
    const { signal } = context;
    const store = await openFeatureStore(settings.featureStoreUrl, {
      retrySeconds,
      logger,
      ...(signal ? { signal } : {}),
    });
    try {
      const result = await runExtract(store, { baseDt, logger, retrySeconds, ...(signal ? { signal } : {}) });
      printSummary(context, argv.json, { step: "extract", status: "ok", model_name: modelName, ...result });
    } finally {
      await store.close();
    }
  },
}));
