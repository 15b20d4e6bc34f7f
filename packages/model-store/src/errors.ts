import { CtError, ExitCode } from "@ct/step-kit";

/** A model-store operation failed: the store could not be read or written (exit 1 unless a subclass says otherwise). */
export class ModelStoreError extends CtError {
  constructor(message: string, options?: { cause?: unknown }, exitCode: ExitCode = ExitCode.failure) {
    super(message, exitCode, options);
  }
}

/**
 * An input breaks one of BentoML's rules (tag characters and length, model.yaml value types, file
 * paths). The message names the offending value and the rule, so the caller can fix it at the source.
 */
export class ModelStoreValidationError extends ModelStoreError {}

/** The requested model, version or `latest` pointer does not exist in the store (exit 3: no input). */
export class ModelNotFoundError extends ModelStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, ExitCode.noInput);
  }
}

/** `name:version` is already in the store; a stored version is never overwritten. */
export class ModelExistsError extends ModelStoreError {}

/**
 * A store entry that BentoML's reader would reject (bad directory name, missing or malformed
 * `model.yaml`). `path` is the offending directory or file.
 */
export class CorruptModelError extends ModelStoreError {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`corrupt model store entry ${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}
