import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  addDays,
  ExitCode,
  exitCodeOf,
  type Logger,
  type LogSink,
  parseBaseDt,
  UsageError,
  writeFileAtomically,
} from "@ct/step-kit";
import type { StepExecutor } from "./executor.ts";
import { runLockPath, withLock } from "./lock.ts";
import { formatDuration, type RunResult, runSteps } from "./pipeline.ts";
import { ensureDirectory, giveTo, type RunUser } from "./user.ts";

/** At most this many dates in one backfill (ten years of days): a typo in a year is caught early. */
export const MAX_BACKFILL_DATES = 3660;

/** Every date from `from` to `to`, both included. */
export function dateRange(from: string, to: string): string[] {
  const first = parseBaseDt(from);
  const last = parseBaseDt(to);
  if (first > last) throw new UsageError(`invalid range: --from ${from} is after --to ${to}`);
  const dates: string[] = [];
  for (let date = first; date <= last; date = addDays(date, 1)) {
    dates.push(date);
    if (dates.length > MAX_BACKFILL_DATES) {
      throw new UsageError(`invalid range ${from}..${to}: more than ${MAX_BACKFILL_DATES} dates`);
    }
  }
  return dates;
}

/** What a backfill has finished, kept between runs so a re-run resumes. */
export interface BackfillState {
  readonly version: 1;
  readonly model_name: string;
  readonly from: string;
  readonly to: string;
  readonly steps: readonly string[];
  /** The last date all steps finished for; later dates are still to do. */
  readonly last_finished: string | null;
  /** True once `to` finished. */
  readonly completed: boolean;
  readonly updated_at: string;
}

/**
 * `<artifacts>/runner/<model_name>/backfill_<from>_<to>_<steps>.json`: one state per model, range
 * and step list, so a re-run of the same command resumes and a different range starts afresh.
 */
export function backfillStatePath(
  artifactsPath: string,
  modelName: string,
  from: string,
  to: string,
  steps: readonly string[],
): string {
  return join(artifactsPath, "runner", modelName, `backfill_${from}_${to}_${steps.join("+")}.json`);
}

export async function readBackfillState(path: string): Promise<BackfillState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as BackfillState;
    if (state.version === 1 && (state.last_finished === null || typeof state.last_finished === "string"))
      return state;
  } catch {
    // Reported below.
  }
  throw new UsageError(`backfill state ${path} is not valid; remove it, or pass --restart to start over`);
}

export interface BackfillOptions {
  readonly executor: StepExecutor;
  readonly steps: readonly string[];
  readonly modelName: string;
  readonly from: string;
  readonly to: string;
  /** The host artifacts folder: the state file and the run locks live under it. */
  readonly artifactsPath: string;
  readonly logger: Logger;
  readonly output: LogSink;
  readonly signal?: AbortSignal;
  /** Seconds to wait for each date's lock (0: fail at once). */
  readonly lockTimeoutSeconds: number;
  /** Ignore the saved state and start at `from`. */
  readonly restart?: boolean;
  /** Owner of the state file and of the folders this creates. */
  readonly owner?: RunUser;
  /** Recorded in the lock files (default `ct backfill`). */
  readonly command?: string;
}

export interface BackfillDateReport {
  readonly baseDt: string;
  readonly status: RunResult["status"];
  readonly exitCode: number;
  readonly durationMs: number;
  readonly failedStep?: string;
}

export interface BackfillResult {
  readonly status: "ok" | "failed" | "interrupted";
  /** 0, or the exit code of the date that failed (its step's, 75 when locked, 130 when interrupted). */
  readonly exitCode: number;
  readonly modelName: string;
  readonly from: string;
  readonly to: string;
  /** Dates skipped because an earlier backfill finished them. */
  readonly skipped: readonly string[];
  /** Dates run now, in order, the last one possibly failed. */
  readonly dates: readonly BackfillDateReport[];
  readonly failedDate?: string;
  readonly message?: string;
  readonly statePath: string;
  readonly durationMs: number;
}

/**
 * Runs the steps for every date from `from` to `to` in order, each date under its run lock,
 * and records each finished date in the state file (written atomically). Stops at the first date
 * that fails, with its exit code; a re-run of the same backfill resumes after the last finished
 * date (`restart` starts over).
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const { modelName, from, to, steps, logger, signal } = options;
  const started = Date.now();
  const dates = dateRange(from, to);
  const statePath = backfillStatePath(options.artifactsPath, modelName, from, to, steps);
  const saved = options.restart ? undefined : await readBackfillState(statePath);
  const lastFinished = saved?.last_finished ?? null;
  const todo = lastFinished === null ? dates : dates.filter((date) => date > lastFinished);
  const skipped = dates.slice(0, dates.length - todo.length);
  const reports: BackfillDateReport[] = [];
  const result = (
    status: BackfillResult["status"],
    exitCode: number,
    failedDate?: string,
    message?: string,
  ): BackfillResult => ({
    status,
    exitCode,
    modelName,
    from,
    to,
    skipped,
    dates: reports,
    statePath,
    durationMs: Date.now() - started,
    ...(failedDate === undefined ? {} : { failedDate }),
    ...(message === undefined ? {} : { message }),
  });

  if (todo.length === 0) {
    logger.info(
      `backfill ${from}..${to} of ${modelName}: all ${dates.length} date(s) already finished (${statePath}); --restart runs them again`,
    );
    return result("ok", ExitCode.ok);
  }
  if (skipped.length > 0) {
    logger.info(
      `backfill ${from}..${to}: resuming after ${lastFinished} (${skipped.length} date(s) finished before)`,
    );
  }
  logger.info(
    `backfill ${from}..${to} of ${modelName}: ${todo.length} date(s) to run, steps ${steps.join(" → ")}`,
  );
  await ensureDirectory(join(options.artifactsPath, "runner", modelName), options.owner);

  const saveState = async (finished: string): Promise<void> => {
    const state: BackfillState = {
      version: 1,
      model_name: modelName,
      from,
      to,
      steps,
      last_finished: finished,
      completed: finished === to,
      updated_at: new Date().toISOString(),
    };
    await writeFileAtomically(statePath, `${JSON.stringify(state, null, 2)}\n`);
    await giveTo(statePath, options.owner);
  };
  // Starting over forgets what an earlier backfill of this range finished.
  if (options.restart) await rm(statePath, { force: true });

  for (const [index, baseDt] of todo.entries()) {
    logger.info(`backfill date ${index + 1}/${todo.length}: ${baseDt}`);
    let run: RunResult;
    const dateStarted = Date.now();
    const lockPath = runLockPath(options.artifactsPath, modelName, baseDt);
    try {
      run = await withLock(
        {
          path: lockPath,
          subject: `model ${modelName} base_dt ${baseDt}`,
          command: options.command ?? "ct backfill",
          timeoutSeconds: options.lockTimeoutSeconds,
          ...(signal ? { signal } : {}),
          ...(options.owner ? { owner: options.owner } : {}),
          onWait: (holder) =>
            logger.info(
              `waiting up to ${options.lockTimeoutSeconds}s for pid ${holder?.pid ?? "?"} (${lockPath})`,
            ),
        },
        () =>
          runSteps({
            executor: options.executor,
            steps,
            modelName,
            baseDt,
            logger,
            output: options.output,
            scope: lockPath,
            ...(signal ? { signal } : {}),
          }),
      );
    } catch (error) {
      // The lock could not be taken (held: exit 75) or waiting for it was interrupted.
      const exitCode = signal?.aborted ? ExitCode.interrupted : exitCodeOf(error);
      const status = signal?.aborted ? "interrupted" : "failed";
      const message = error instanceof Error ? error.message : String(error);
      reports.push({ baseDt, status, exitCode, durationMs: Date.now() - dateStarted });
      logger.error(`backfill stopped at ${baseDt}: ${message}`);
      return result(status, exitCode, baseDt, `${baseDt}: ${message}`);
    }
    reports.push({
      baseDt,
      status: run.status,
      exitCode: run.exitCode,
      durationMs: run.durationMs,
      ...(run.failedStep === undefined ? {} : { failedStep: run.failedStep }),
    });
    if (run.status !== "ok") {
      logger.error(
        `backfill stopped at ${baseDt} (${run.message ?? run.status}); re-run the same command to resume from ${baseDt}`,
      );
      return result(run.status, run.exitCode, baseDt, `${baseDt}: ${run.message ?? run.status}`);
    }
    await saveState(baseDt);
  }
  const done = result("ok", ExitCode.ok);
  logger.info(
    `backfill ${from}..${to} of ${modelName}: ${todo.length} date(s) ok in ${formatDuration(done.durationMs)}`,
  );
  return done;
}
