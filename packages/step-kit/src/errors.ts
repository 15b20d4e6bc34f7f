/**
 * Exit codes of every ct command. They are part of the public contract (README, "Exit codes"):
 * orchestrators branch on them, so a value never changes meaning.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  noInput: 3,
  featureStoreUnavailable: 4,
  /** Stopped by SIGINT/SIGTERM (128 + SIGINT, the shell convention). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: printed as one line, mapped to an exit code. */
export class CtError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad arguments or settings (exit 2). */
export class UsageError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** The input a step needs does not exist or is empty (exit 3). */
export class NoInputError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.noInput, options);
  }
}

/** The feature store cannot be reached or refuses the connection (exit 4). */
export class FeatureStoreUnavailableError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.featureStoreUnavailable, options);
  }
}

/** Data that breaks a documented contract, e.g. a table without a required column (exit 1). */
export class DataContractError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** The work was stopped by a signal before it finished; nothing partial was left behind (exit 130). */
export class InterruptedError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.interrupted, options);
  }
}

/** Throws the abort reason (an InterruptedError) if `signal` has fired. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof CtError ? signal.reason : new InterruptedError("interrupted");
  }
}

/** The exit code for any thrown value: typed errors carry theirs, anything else is 1. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof CtError ? error.exitCode : ExitCode.failure;
}
