import {
  type CtError,
  ExitCode,
  exitCodeOf,
  InterruptedError,
  type Logger,
  type LogSink,
} from "@ct/step-kit";
import { RunnerError } from "./errors.ts";
import type { StepExecutor, StepExit } from "./executor.ts";
import { prefixedOutput } from "./lines.ts";

export interface RunStepsOptions {
  readonly executor: StepExecutor;
  /** Step names, in the order they run. */
  readonly steps: readonly string[];
  readonly modelName: string;
  readonly baseDt: string;
  /** Progress lines (started, finished with duration, failed). */
  readonly logger: Logger;
  /** Where the steps' own output goes, each line prefixed with the step's name. */
  readonly output: LogSink;
  readonly signal?: AbortSignal;
  /**
   * Identifies the run's lock (its path): a label on the containers, so that a later run under
   * the same lock can remove what a killed run left behind.
   */
  readonly scope?: string;
}

export type StepStatus = "ok" | "failed" | "interrupted" | "not_run";

export interface StepReport {
  readonly step: string;
  readonly status: StepStatus;
  readonly exitCode?: number;
  readonly durationMs?: number;
}

export interface RunResult {
  readonly status: "ok" | "failed" | "interrupted";
  /** 0, the failed step's exit code, or 130 when interrupted. */
  readonly exitCode: number;
  readonly modelName: string;
  readonly baseDt: string;
  readonly steps: readonly StepReport[];
  /** The step that failed or was interrupted. */
  readonly failedStep?: string;
  /** One line saying what went wrong, when something did. */
  readonly message?: string;
  readonly durationMs: number;
}

/** `3.2s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The labels of a step's container (docs/containers.md). */
export function runLabels(
  step: string,
  modelName: string,
  baseDt: string,
  scope?: string,
): Record<string, string> {
  return {
    "ct.step": step,
    "ct.model_name": modelName,
    "ct.base_dt": baseDt,
    ...(scope === undefined ? {} : { "ct.scope": scope }),
  };
}

/**
 * Runs the steps for one model and date, one after the other, streaming their output prefixed
 * with their names. Stops at the first failure (its exit code becomes the run's) and on
 * `signal` (the running step is stopped and cleaned up; exit 130). Never throws for a failed
 * step: the result says what happened (`failureOf` turns it into the error to exit with).
 */
export async function runSteps(options: RunStepsOptions): Promise<RunResult> {
  const { executor, steps, modelName, baseDt, logger, signal } = options;
  const started = Date.now();
  const width = Math.max(...steps.map((step) => step.length));
  const reports: StepReport[] = [];
  const finish = (
    status: RunResult["status"],
    exitCode: number,
    failedStep?: string,
    message?: string,
  ): RunResult => {
    for (const step of steps.slice(reports.length)) reports.push({ step, status: "not_run" });
    return {
      status,
      exitCode,
      modelName,
      baseDt,
      steps: reports,
      durationMs: Date.now() - started,
      ...(failedStep === undefined ? {} : { failedStep }),
      ...(message === undefined ? {} : { message }),
    };
  };

  if (options.scope !== undefined && executor.removeLeftovers) {
    const removed = await executor.removeLeftovers({ "ct.scope": options.scope });
    if (removed > 0)
      logger.warn(`removed ${removed} leftover container(s) of an earlier run that was killed`);
  }

  for (const [index, step] of steps.entries()) {
    const position = `[${index + 1}/${steps.length}] ${step}`;
    if (signal?.aborted) {
      const message = `interrupted before ${step}`;
      logger.warn(`${position}: not started, interrupted`);
      return finish("interrupted", ExitCode.interrupted, step, message);
    }
    logger.info(`${position}: started (${executor.describe(step)})`);
    const stepStarted = Date.now();
    let exit: StepExit;
    try {
      exit = await executor.run(
        {
          step,
          args: ["--model_name", modelName, "--base_dt", baseDt],
          labels: runLabels(step, modelName, baseDt, options.scope),
        },
        prefixedOutput(options.output, step, width),
        signal,
      );
    } catch (error) {
      const durationMs = Date.now() - stepStarted;
      const reason = error instanceof Error ? error.message : String(error);
      if (signal?.aborted) {
        reports.push({ step, status: "interrupted", durationMs });
        logger.warn(`${position}: interrupted after ${formatDuration(durationMs)}`);
        return finish("interrupted", ExitCode.interrupted, step, `interrupted during ${step}`);
      }
      const exitCode = exitCodeOf(error);
      reports.push({ step, status: "failed", exitCode, durationMs });
      logger.error(`${position}: could not run: ${reason}`);
      return finish("failed", exitCode, step, `step ${step} could not run: ${reason}`);
    }
    const durationMs = Date.now() - stepStarted;
    if (signal?.aborted) {
      reports.push({ step, status: "interrupted", exitCode: exit.exitCode, durationMs });
      logger.warn(`${position}: interrupted after ${formatDuration(durationMs)}, stopped and cleaned up`);
      return finish("interrupted", ExitCode.interrupted, step, `interrupted during ${step}`);
    }
    if (exit.exitCode !== 0) {
      reports.push({ step, status: "failed", exitCode: exit.exitCode, durationMs });
      const rest = steps.slice(index + 1);
      const how = exit.signal
        ? `killed by ${exit.signal} (exit code ${exit.exitCode})`
        : `exit code ${exit.exitCode}`;
      logger.error(
        `${position}: failed with ${how} after ${formatDuration(durationMs)}${rest.length > 0 ? `; not run: ${rest.join(", ")}` : ""}`,
      );
      return finish("failed", exit.exitCode, step, `step ${step} failed with ${how}`);
    }
    reports.push({ step, status: "ok", exitCode: 0, durationMs });
    logger.info(`${position}: ok in ${formatDuration(durationMs)}`);
  }
  const result = finish("ok", ExitCode.ok);
  logger.info(
    `model_name=${modelName} base_dt=${baseDt}: ${steps.length} step(s) ok in ${formatDuration(result.durationMs)}`,
  );
  return result;
}

/** The error to exit with for a run that did not succeed (undefined when it did). */
export function failureOf(
  result: Pick<RunResult, "status" | "exitCode" | "message">,
  context = "",
): CtError | undefined {
  if (result.status === "ok") return undefined;
  const message = `${context}${result.message ?? result.status}`;
  if (result.status === "interrupted") return new InterruptedError(message);
  return new RunnerError(message, result.exitCode);
}
