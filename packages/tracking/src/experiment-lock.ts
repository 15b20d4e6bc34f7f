import { createHash } from "node:crypto";
import { open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { TrackingError } from "./errors.ts";

/** Options of {@link withNameLock}. */
export interface NameLockOptions {
  /** Give up waiting after this long. */
  readonly timeoutMs: number;
  /** A lock file older than this is a leftover of a crashed process and is removed. */
  readonly staleMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding an exclusive lock for one experiment name, so concurrent
 * `getOrCreateExperiment` calls (threads or processes) create one experiment, not two. The lock is
 * a plain file `<root>/.ct-lock-<hash>` created with O_EXCL: MLflow lists only directories at the
 * root, so the file never shows up as an experiment.
 */
export async function withNameLock<T>(
  rootDir: string,
  name: string,
  options: NameLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 24);
  const lockPath = join(rootDir, `.ct-lock-${hash}`);
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lockPath, "wx");
      try {
        await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`).finally(() => handle.close());
      } catch (error) {
        // Created but not written (a full disk, …): ours, so remove it rather than leave a lock
        // every later run would wait for until it goes stale.
        await rm(lockPath, { force: true });
        throw error;
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const info = await stat(lockPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > options.staleMs) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new TrackingError(
        `timed out after ${options.timeoutMs} ms waiting for the experiment lock ${lockPath} (remove it if no ct process is running)`,
      );
    }
    await sleep(10 + Math.floor(Math.random() * 20));
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}
