import {
  type CliContext,
  createLogger,
  DEFAULT_MODEL_NAME,
  parseBaseDt,
  parseModelName,
  printSummary,
  type StepArguments,
  todayIn,
  withStepOptions,
} from "@ct/step-kit";
import type { Argv } from "yargs";
import { runBackfill } from "./backfill.ts";
import { RunnerExitCode } from "./errors.ts";
import { runLockPath, withLock } from "./lock.ts";
import { type RunnerArguments, withRunnerOptions } from "./options.ts";
import { failureOf, runSteps } from "./pipeline.ts";
import { type SetUpOptions, setUpRunner } from "./setup.ts";

/** What `ct run --help` and `ct backfill --help` say about exit codes. */
export const RUNNER_EPILOGUE =
  "Exit codes: the first failing step's own code (0 when all succeed), 130 when interrupted " +
  `(Ctrl-C: the running step is stopped and removed), ${RunnerExitCode.locked} when another run holds ` +
  "the same model and date (see --lock_timeout), 1 when Docker, an image or a bundle is missing. " +
  "See docs/runner.md.";

export interface RunArguments extends StepArguments, RunnerArguments {}

/** The options of `ct run`: the step contract (`--model_name`, `--base_dt`, `--json`) and the runner's. */
export function withRunOptions<T>(args: Argv<T>): Argv<T & RunArguments> {
  return withRunnerOptions(withStepOptions(args)).epilogue(RUNNER_EPILOGUE);
}

/**
 * `ct run`: the steps for one model and date under its lock — build/check first, then each step
 * in order, stopping at the first failure. Throws the error to exit with when it did not succeed.
 */
export async function runCommandHandler(
  argv: RunArguments,
  context: CliContext,
  options: SetUpOptions = {},
): Promise<void> {
  const modelName = parseModelName(argv.model_name);
  const givenBaseDt = argv.base_dt === undefined ? undefined : parseBaseDt(argv.base_dt);
  const logger = createLogger("run", context.stderr);
  const setup = await setUpRunner(argv, context, logger, options);
  const baseDt = givenBaseDt ?? todayIn(setup.settings.timeZone);
  logger.info(
    `model_name=${modelName} base_dt=${baseDt}${givenBaseDt ? "" : ` (today in ${setup.settings.timeZone})`} steps ${setup.steps.join(" → ")}`,
  );
  const lockPath = runLockPath(setup.folders.artifacts, modelName, baseDt);
  const signal = context.signal;
  const result = await withLock(
    {
      path: lockPath,
      subject: `model ${modelName} base_dt ${baseDt}`,
      command: "ct run",
      timeoutSeconds: setup.lockTimeoutSeconds,
      owner: setup.user,
      ...(signal ? { signal } : {}),
      onWait: (holder) =>
        logger.info(
          `waiting up to ${setup.lockTimeoutSeconds}s for pid ${holder?.pid ?? "?"} (lock ${lockPath})`,
        ),
      onStale: (holder) => logger.warn(`removing the stale lock of pid ${holder.pid}, which no longer runs`),
    },
    async () => {
      await setup.executor.prepare(setup.steps, signal);
      return runSteps({
        executor: setup.executor,
        steps: setup.steps,
        modelName,
        baseDt,
        logger,
        output: context.stderr,
        scope: lockPath,
        ...(signal ? { signal } : {}),
      });
    },
  );
  printSummary(context, argv.json, {
    command: "run",
    status: result.status,
    exit_code: result.exitCode,
    model_name: modelName,
    base_dt: baseDt,
    executor: setup.executor.kind,
    ...(setup.network ? { network: setup.network.network } : {}),
    steps: result.steps.map((step) => ({
      step: step.step,
      status: step.status,
      ...(step.exitCode === undefined ? {} : { exit_code: step.exitCode }),
      ...(step.durationMs === undefined ? {} : { duration_ms: step.durationMs }),
    })),
    duration_ms: result.durationMs,
  });
  const failure = failureOf(result, `model ${modelName} base_dt ${baseDt}: `);
  if (failure) throw failure;
}

export interface BackfillArguments extends RunnerArguments {
  model_name: string;
  from: string;
  to: string;
  restart: boolean;
  json: boolean;
}

/** The options of `ct backfill`. */
export function withBackfillOptions<T>(args: Argv<T>): Argv<T & BackfillArguments> {
  return withRunnerOptions(args)
    .option("model_name", {
      alias: "model-name",
      type: "string",
      default: DEFAULT_MODEL_NAME,
      describe: "model name: lowercase letters, digits, '-', '_', '.'; at most 63 characters",
    })
    .option("from", { type: "string", demandOption: true, describe: "first date YYYY-MM-DD" })
    .option("to", { type: "string", demandOption: true, describe: "last date YYYY-MM-DD (included)" })
    .option("restart", {
      type: "boolean",
      default: false,
      describe: "forget the dates an earlier backfill of this range finished and start at --from",
    })
    .option("json", { type: "boolean", default: false, describe: "print a one-line JSON summary on stdout" })
    .epilogue(
      `${RUNNER_EPILOGUE}\nThe state of a backfill: <artifacts>/runner/<model_name>/backfill_<from>_<to>_<steps>.json.`,
    ) as unknown as Argv<T & BackfillArguments>;
}

/**
 * `ct backfill`: every date of the range in order, each under its own lock; resumes after the
 * last finished date. Throws the error to exit with (the failed date's code) when it did not succeed.
 */
export async function backfillCommandHandler(
  argv: BackfillArguments,
  context: CliContext,
  options: SetUpOptions = {},
): Promise<void> {
  const modelName = parseModelName(argv.model_name);
  const from = parseBaseDt(argv.from);
  const to = parseBaseDt(argv.to);
  const logger = createLogger("backfill", context.stderr);
  const setup = await setUpRunner(argv, context, logger, options);
  const signal = context.signal;
  // The images are built (or checked) once for the whole range.
  await setup.executor.prepare(setup.steps, signal);
  const result = await runBackfill({
    executor: setup.executor,
    steps: setup.steps,
    modelName,
    from,
    to,
    artifactsPath: setup.folders.artifacts,
    logger,
    output: context.stderr,
    lockTimeoutSeconds: setup.lockTimeoutSeconds,
    restart: argv.restart,
    owner: setup.user,
    ...(signal ? { signal } : {}),
  });
  printSummary(context, argv.json, {
    command: "backfill",
    status: result.status,
    exit_code: result.exitCode,
    model_name: modelName,
    from,
    to,
    executor: setup.executor.kind,
    skipped: result.skipped,
    dates: result.dates.map((date) => ({
      base_dt: date.baseDt,
      status: date.status,
      exit_code: date.exitCode,
      duration_ms: date.durationMs,
      ...(date.failedStep === undefined ? {} : { failed_step: date.failedStep }),
    })),
    ...(result.failedDate === undefined ? {} : { failed_date: result.failedDate }),
    state: result.statePath,
    duration_ms: result.durationMs,
  });
  const failure = failureOf(result, `backfill of ${modelName} stopped at `);
  if (failure) throw failure;
}
