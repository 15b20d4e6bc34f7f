import type { StepOutput } from "./lines.ts";

/** One step to run: its name and the arguments its CLI gets (`--model_name M --base_dt D`). */
export interface StepInvocation {
  readonly step: string;
  readonly args: readonly string[];
  /**
   * Labels of this run (`ct.step`, `ct.model_name`, `ct.base_dt`, `ct.scope`): the Docker
   * executor puts them on the container so leftovers can be found and removed.
   */
  readonly labels: Readonly<Record<string, string>>;
}

/** How a step ended. */
export interface StepExit {
  /** The process's exit code; 128 + the signal number when a signal ended it. */
  readonly exitCode: number;
  /** The signal that ended it, if any (`SIGKILL`, …). */
  readonly signal?: string;
}

/**
 * Runs ct's steps somewhere: as containers (`DockerExecutor`) or as local processes
 * (`LocalExecutor`). The orchestration (order, stop at the first failure, exit codes, locks,
 * backfill) is written against this interface only.
 */
export interface StepExecutor {
  /** `docker` or `local`, for messages. */
  readonly kind: string;
  /** Describes where a step runs (`ct-extract:latest`, `node …/bin.js`), for progress lines. */
  describe(step: string): string;
  /**
   * Makes sure every step can start (images built or present, bundles present, engine
   * reachable) before the first one runs. Throws a CtError saying what is missing.
   */
  prepare(steps: readonly string[], signal?: AbortSignal): Promise<void>;
  /**
   * Runs one step to its end and resolves how it ended; its output goes to `output` line by line.
   * When `signal` fires it stops the step (SIGTERM, then SIGKILL after a grace period), and
   * resolves once the step is gone. It never leaves a process or container behind, whatever happens.
   * Rejects only when the step could not be started at all.
   */
  run(invocation: StepInvocation, output: StepOutput, signal?: AbortSignal): Promise<StepExit>;
  /**
   * Removes what an earlier run of the same scope left behind (a runner killed with SIGKILL
   * cannot clean up). Called with the run lock held, so nothing of a live run matches. Returns
   * how many things it removed.
   */
  removeLeftovers?(labels: Readonly<Record<string, string>>): Promise<number>;
}
