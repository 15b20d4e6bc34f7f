import {
  type CliContext,
  createLogger,
  type Logger,
  parseBaseDt,
  parseModelName,
  type StepArguments,
  todayIn,
} from "@ct/step-kit";
import type { SettingsArguments } from "./options.ts";
import { describeSettings, loadSettings, type Settings } from "./settings.ts";

/** Everything a step needs, resolved once from its arguments, the environment and `.env`. */
export interface StepInputs {
  readonly settings: Settings;
  readonly modelName: string;
  readonly baseDt: string;
  readonly logger: Logger;
}

/** Validates the step contract (`model_name`, `base_dt`) and loads the settings; UsageError on bad input. */
export function resolveStepInputs(
  step: string,
  argv: StepArguments & SettingsArguments,
  context: CliContext,
): StepInputs {
  const modelName = parseModelName(argv.model_name);
  const givenBaseDt = argv.base_dt === undefined ? undefined : parseBaseDt(argv.base_dt);
  const settings = loadSettings({
    flags: argv as unknown as Record<string, unknown>,
    env: context.env,
    cwd: context.cwd,
  });
  const baseDt = givenBaseDt ?? todayIn(settings.timeZone);
  const logger = createLogger(step, context.stderr);
  logger.info(
    `model_name=${modelName} base_dt=${baseDt}${givenBaseDt ? "" : ` (today in ${settings.timeZone})`}`,
  );
  logger.info(`settings ${JSON.stringify(describeSettings(settings))}`);
  return { settings, modelName, baseDt, logger };
}
