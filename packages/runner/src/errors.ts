import { CtError, type ExitCode } from "@ct/step-kit";

/**
 * Exit codes of `ct run` / `ct backfill` beyond ct's own table (README, "Exit codes"). A failed
 * step's code is passed through unchanged, so these are chosen outside what steps return.
 */
export const RunnerExitCode = {
  /**
   * Another run holds the lock of the same model and date (still after `--lock_timeout`):
   * sysexits' EX_TEMPFAIL, "try again later". Nothing ran.
   */
  locked: 75,
} as const;

/**
 * A CtError with any process exit code: a step's own code is passed through even when it is
 * outside ct's table (137 when the kernel killed a container for memory, 139 for a crash, …).
 */
export class RunnerError extends CtError {
  constructor(message: string, exitCode: number, options?: { cause?: unknown }) {
    // ExitCode lists ct's own codes; a step's code may be any 1-255, and runCli passes it through.
    super(message, exitCode as ExitCode, options);
  }
}

/** Who holds a run lock, as written in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  /** What holds it, e.g. `ct run`. */
  readonly command: string;
  /** Random, so a stale lock is never confused with a newer one of a reused pid. */
  readonly token: string;
}

/** The run lock of a model and date is held by another live process (exit 75). */
export class LockHeldError extends RunnerError {
  readonly holder: LockHolder | undefined;
  readonly lockPath: string;
  constructor(message: string, lockPath: string, holder: LockHolder | undefined) {
    super(message, RunnerExitCode.locked);
    this.lockPath = lockPath;
    this.holder = holder;
  }
}
