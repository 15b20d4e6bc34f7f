import { resolveStepInputs, type SettingsArguments, withSettingsOptions } from "@ct/config";
import { openFeatureStore } from "@ct/feature-store";
import { runPreprocess } from "@ct/preprocessing";
import {
  type CommandFactory,
  defineCommand,
  printSummary,
  type StepArguments,
  withStepOptions,
} from "@ct/step-kit";

/** `preprocess`: split one snapshot into train/val, fit RobustScalers, write CSVs and scalers. */
export const preprocessCommand: CommandFactory = defineCommand<StepArguments & SettingsArguments>(
  (context) => ({
    command: "preprocess",
    describe:
      "split the base_dt snapshot 70/30, fit a RobustScaler per numeric feature, write CSVs + scalers",
    builder: (args) => withSettingsOptions(withStepOptions(args)),
    handler: async (argv) => {
      const { settings, modelName, baseDt, logger } = resolveStepInputs("preprocess", argv, context);
      const store = await openFeatureStore(settings.featureStoreUrl, {
        retrySeconds: settings.featureStoreRetrySeconds,
        logger,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      try {
        const result = await runPreprocess(store, {
          modelName,
          baseDt,
          artifactsPath: settings.artifactsPath,
          signal: context.signal,
          logger,
        });
        printSummary(context, argv.json, { step: "preprocess", status: "ok", ...result });
      } finally {
        await store.close();
      }
    },
  }),
);
