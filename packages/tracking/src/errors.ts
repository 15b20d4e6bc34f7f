import { CtError, ExitCode } from "@ct/step-kit";

/** A tracking call failed: the store could not be written or the server refused the request (exit 1). */
export class TrackingError extends CtError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/**
 * A name or value breaks one of MLflow's rules (key characters, lengths, ids, statuses). The
 * message names the offending value so the caller can fix it at the source.
 */
export class TrackingValidationError extends TrackingError {}

/** What the MLflow server answered to a request that failed for good. */
export interface MlflowRestErrorDetails {
  /** HTTP method and the path below the tracking URI, e.g. `POST /api/2.0/mlflow/runs/create`. */
  readonly request: string;
  /** HTTP status; `undefined` when no response arrived (network failure). */
  readonly status: number | undefined;
  /** MLflow's `error_code`, e.g. `INVALID_PARAMETER_VALUE`, when the body had one. */
  readonly errorCode: string | undefined;
  /** MLflow's `message`, or the start of a non-JSON body. */
  readonly serverMessage: string | undefined;
  /** How many attempts were made (more than 1 after transient failures). */
  readonly attempts: number;
}

/** A REST call to the MLflow server failed; the message carries status, error_code and message. */
export class MlflowRestError extends TrackingError {
  readonly request: string;
  readonly status: number | undefined;
  readonly errorCode: string | undefined;
  readonly serverMessage: string | undefined;
  readonly attempts: number;
  constructor(message: string, details: MlflowRestErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.request = details.request;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.serverMessage = details.serverMessage;
    this.attempts = details.attempts;
  }
}
