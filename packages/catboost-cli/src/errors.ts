import { CtError, DataContractError, ExitCode, UsageError } from "@ct/step-kit";

/** A training parameter the catboost CLI wrapper does not know, or a value of the wrong type (exit 2). */
export class CatboostParamError extends UsageError {
  /** The parameter's name as given (CatBoost's Python name, e.g. `l2_leaf_reg`). */
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

/** Rows that cannot be written as a CatBoost pool (ragged columns, ±Infinity, a bad column name) (exit 1). */
export class PoolFormatError extends DataContractError {}

/** How a catboost process failed. */
export type CatboostFailureKind =
  /** `AN EXCEPTION OCCURRED.` on stderr, exit code 1 (catboost/app/main.cpp). */
  | "exception"
  /** No or unknown mode: usage printed, exit code 255 (−1). */
  | "usage"
  /** Any other non-zero exit code. */
  | "exit"
  /** Killed by a signal it did not handle (SIGKILL from the OOM killer, SIGSEGV, …). */
  | "signal"
  /** The binary could not be started (ENOENT, EACCES, …). */
  | "spawn";

export interface CatboostRunErrorDetails {
  readonly kind: CatboostFailureKind;
  /** `fit`, `calc`, … (the first argument). */
  readonly mode: string;
  readonly processExitCode?: number;
  readonly processSignal?: string;
  /** The last lines the process wrote to stderr (and stdout, for context). */
  readonly outputTail: readonly string[];
}

/** A catboost process that did not succeed; the message is one line (exit 1). */
export class CatboostRunError extends CtError {
  readonly kind: CatboostFailureKind;
  readonly mode: string;
  readonly processExitCode: number | undefined;
  readonly processSignal: string | undefined;
  readonly outputTail: readonly string[];
  constructor(message: string, details: CatboostRunErrorDetails, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
    this.kind = details.kind;
    this.mode = details.mode;
    this.processExitCode = details.processExitCode;
    this.processSignal = details.processSignal;
    this.outputTail = details.outputTail;
  }
}

/** A file catboost wrote (error log, calc output, model JSON) is missing or not in the documented format (exit 1). */
export class CatboostOutputError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}
