import { availableParallelism } from "node:os";
import {
  resolveStepInputs,
  type SettingsArguments,
  type StepInputs,
  type TrainSettingsArguments,
  withSettingsOptions,
  withTrainSettingsOptions,
} from "@ct/config";
import { SAVE_STEPS, type SaveModelOptions, type SaveStep } from "@ct/model-store";
import {
  type CliContext,
  type CommandFactory,
  defineCommand,
  type Logger,
  printSummary,
  type StepArguments,
  throwIfInterrupted,
  UsageError,
  withStepOptions,
} from "@ct/step-kit";
import {
  DEFAULT_MODEL_CONFIG,
  ENGINE_CHOICES,
  type EngineChoice,
  loadModelConfig,
  type ModelConfig,
  type ParamValue,
  PROMOTE_POLICIES,
  type PromotePolicy,
  parseModelConfig,
  resolveEngine,
  runTrain,
  type TrainResultSummary,
} from "@ct/training";
import type { Argv } from "yargs";
import packageJson from "../package.json" with { type: "json" };
import { engineOptionsOf, trackingOf } from "./shared-options.ts";

export interface TrainOptionsArguments extends TrainSettingsArguments {
  engine: EngineChoice;
  promote: PromotePolicy;
  model_config: string | undefined;
  param: string[] | undefined;
  grid: string[] | undefined;
  workers: number | undefined;
}

interface TrainArguments extends StepArguments, SettingsArguments, TrainOptionsArguments {}

/** `name=value`: the value as JSON when it parses (numbers, booleans, lists, objects), else the string. */
function parseAssignment(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`--${flag} ${JSON.stringify(text)}: expected name=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseValue(text: string): ParamValue {
  try {
    return JSON.parse(text) as ParamValue;
  } catch {
    return text;
  }
}

/** The model config: file (or defaults) with `--param` / `--grid` flags on top. */
async function modelConfigOf(argv: TrainOptionsArguments): Promise<ModelConfig> {
  const base = argv.model_config ? await loadModelConfig(argv.model_config) : DEFAULT_MODEL_CONFIG;
  const params: Record<string, ParamValue> = { ...base.params };
  const grid: Record<string, readonly ParamValue[]> = { ...base.grid };
  for (const text of argv.param ?? []) {
    const [name, value] = parseAssignment(text, "param");
    params[name] = parseValue(value);
    delete grid[name];
  }
  for (const text of argv.grid ?? []) {
    const [name, values] = parseAssignment(text, "grid");
    grid[name] = values.split(",").map((value) => parseValue(value.trim()));
    delete params[name];
  }
  return parseModelConfig({ ...base, params, grid }, argv.model_config ?? "model config flags");
}

/** The train options on top of the step's: engine, gate, model config and its overrides, workers. */
export function withTrainOptions<T>(args: Argv<T>): Argv<T & TrainOptionsArguments> {
  return withTrainSettingsOptions(args)
    .option("engine", {
      choices: ENGINE_CHOICES,
      default: "auto" as EngineChoice,
      describe: "trainer: builtin (ct's engine), catboost (the CLI binary), auto (catboost when found)",
    })
    .option("promote", {
      choices: PROMOTE_POLICIES,
      default: "always" as PromotePolicy,
      describe:
        "always move `latest` to the new model, or only if it beats the current one on this validation set",
    })
    .option("model_config", {
      alias: "model-config",
      type: "string",
      describe: "YAML/JSON model config (columns, grid, params) merged over the credit-score defaults",
    })
    .option("param", {
      type: "string",
      array: true,
      describe: "fixed parameter name=value (JSON values), e.g. --param iterations=200",
    })
    .option("grid", {
      type: "string",
      array: true,
      describe: "grid parameter name=v1,v2,…, e.g. --grid depth=6,8",
    })
    .option("workers", {
      type: "number",
      describe: `worker threads for the grid (default: the core count, ${availableParallelism()} here)`,
    }) as unknown as Argv<T & TrainOptionsArguments>;
}

/**
 * Test-only fault hook: `CT_TEST_PAUSE_SAVE_AT=<save step>` pauses the model-store save the first
 * time it reaches that step (docs/model-store.md lists them), says so on stderr and waits for a
 * signal, so a fault-injection test can SIGKILL the process at an exact point of the save
 * (packages/faults). SIGINT/SIGTERM end the pause as an interruption (exit 130).
 */
export function pauseAtSaveStepHook(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  signal: AbortSignal | undefined,
): SaveModelOptions["onStep"] | undefined {
  const at = env.CT_TEST_PAUSE_SAVE_AT;
  if (at === undefined || at === "") return undefined;
  if (!SAVE_STEPS.includes(at as SaveStep))
    throw new UsageError(
      `CT_TEST_PAUSE_SAVE_AT=${JSON.stringify(at)}: expected one of ${SAVE_STEPS.join(", ")}`,
    );
  let paused = false;
  return async (step, path) => {
    if (step !== at || paused) return;
    paused = true;
    logger.warn(`CT_TEST_PAUSE_SAVE_AT: model save paused at ${step} (${path}); waiting for a signal`);
    await new Promise<void>((resolvePromise) => {
      const keepAlive = setInterval(() => undefined, 60_000);
      const stop = (): void => {
        clearInterval(keepAlive);
        resolvePromise();
      };
      if (signal?.aborted) stop();
      else signal?.addEventListener("abort", stop, { once: true });
    });
    throwIfInterrupted(signal);
  };
}

/** Runs the train step for resolved step inputs; shared by `train` and `demo`. */
export async function trainWithArguments(
  argv: TrainOptionsArguments,
  inputs: StepInputs,
  context: CliContext,
): Promise<TrainResultSummary> {
  const { settings, modelName, baseDt, logger } = inputs;
  const config = await modelConfigOf(argv);
  const engineOptions = engineOptionsOf(settings);
  const engine = resolveEngine(argv.engine, engineOptions.catboostBin);
  const workers = argv.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1 || workers > 256)
    throw new UsageError(`--workers ${JSON.stringify(argv.workers)}: expected an integer from 1 to 256`);
  logger.info(
    `engine ${engine}${engine === "catboost" ? ` (${engineOptions.catboostBin})` : ""}, ${workers} worker(s)`,
  );
  const onSaveStep = pauseAtSaveStepHook(context.env, logger, context.signal);
  // Worker threads run the bundled bin itself; from TypeScript sources (tests) the grid runs in-thread.
  const self = new URL(import.meta.url);
  return runTrain({
    modelName,
    baseDt,
    artifactsPath: settings.artifactsPath,
    modelStorePath: settings.modelStorePath,
    config,
    engine,
    engineOptions,
    tracking: () => trackingOf(settings, context.cwd, (message) => logger.warn(message)),
    promote: argv.promote,
    timeZone: settings.timeZone,
    workers,
    ...(self.pathname.endsWith(".js") ? { workerUrl: self } : {}),
    ctVersion: packageJson.version,
    logger,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(onSaveStep ? { onSaveStep } : {}),
  });
}

/** `train`: grid-search the model, track every run in MLflow, save the best to the model store. */
export const trainCommand: CommandFactory = defineCommand<TrainArguments>((context) => ({
  command: "train",
  describe: "grid-search the classifier on the preprocess outputs, track runs in MLflow, save the best model",
  builder: (args) => withTrainOptions(withSettingsOptions(withStepOptions(args))),
  handler: async (argv) => {
    const inputs = resolveStepInputs("train", argv, context);
    const summary = await trainWithArguments(argv, inputs, context);
    printSummary(context, argv.json, { step: "train", status: "ok", ...summary });
  },
}));
