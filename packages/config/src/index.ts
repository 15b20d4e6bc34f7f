export {
  type SettingsArguments,
  type TrainSettingsArguments,
  withSettingsOptions,
  withTrainSettingsOptions,
} from "./options.ts";
export { redactUrl } from "./redact.ts";
export {
  DEFAULT_FEATURE_STORE_URL,
  DEFAULT_SECRETS_DIR,
  DEFAULT_TIME_ZONE,
  describeSettings,
  loadSettings,
  type Settings,
  type SettingsInput,
} from "./settings.ts";
export { resolveStepInputs, type StepInputs } from "./step.ts";
