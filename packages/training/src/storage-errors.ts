import { CtError, ExitCode } from "@ct/step-kit";

/** File-system errors that mean "this place cannot be written", not a bug: reported in one line. */
const STORAGE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
};

/**
 * `error` as a one-line failure (exit 1) naming `where` and the errno code when it is a storage
 * error (a full disk, a read-only or forbidden folder); `undefined` otherwise, including for
 * errors ct already reports (CtError).
 */
export function storageFailure(error: unknown, where: string): CtError | undefined {
  if (error instanceof CtError || !(error instanceof Error)) return undefined;
  const { code, path } = error as NodeJS.ErrnoException;
  const what = code === undefined ? undefined : STORAGE_ERRORS[code];
  if (what === undefined) return undefined;
  return new CtError(
    `cannot write ${where}${path === undefined ? "" : ` (${path})`}: ${what} (${code})`,
    ExitCode.failure,
    { cause: error },
  );
}

/** Runs `work`, turning a storage error into a one-line failure naming `where`. */
export async function writingTo<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw storageFailure(error, where) ?? error;
  }
}
