import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pidAfterPrefix, removeEntriesOfDeadProcesses } from "./processes.ts";

const uniqueSuffix = (): string => `${process.pid}-${randomBytes(4).toString("hex")}`;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes what killed writers (SIGKILL, OOM, power loss) left beside `finalDir`: its hidden
 * `.name.tmp-<pid>-…` / `.name.old-<pid>-…` folders whose pid no longer runs. A live pid's folder
 * is kept (it may be a concurrent writer).
 */
async function removeStaleSiblings(parent: string, name: string): Promise<void> {
  const suffix = /^[0-9a-f]{8}$/;
  await removeEntriesOfDeadProcesses(
    parent,
    (entry) =>
      pidAfterPrefix(entry, `.${name}.tmp-`, suffix) ?? pidAfterPrefix(entry, `.${name}.old-`, suffix),
  );
}

/**
 * Builds a directory under a hidden temporary name beside `finalDir`, then renames it into
 * place, so readers see either the previous complete directory or the new complete one — never
 * a half-written one. On failure the temporary directory is removed and `finalDir` is untouched.
 * After a success, the leftovers of writers killed earlier (their pid is gone) are removed.
 */
export async function writeDirectoryAtomically<T>(
  finalDir: string,
  build: (temporaryDir: string) => Promise<T>,
): Promise<T> {
  const parent = dirname(finalDir);
  const name = basename(finalDir);
  await mkdir(parent, { recursive: true });
  const temporaryDir = join(parent, `.${name}.tmp-${uniqueSuffix()}`);
  await mkdir(temporaryDir);
  let result: T;
  try {
    result = await build(temporaryDir);
  } catch (error) {
    await rm(temporaryDir, { recursive: true, force: true });
    throw error;
  }
  // rename(2) cannot replace a non-empty directory: move the old one aside first.
  const previous = (await exists(finalDir)) ? join(parent, `.${name}.old-${uniqueSuffix()}`) : undefined;
  try {
    if (previous) await rename(finalDir, previous);
    await rename(temporaryDir, finalDir);
  } catch (error) {
    if (previous && !(await exists(finalDir))) await rename(previous, finalDir).catch(() => undefined);
    await rm(temporaryDir, { recursive: true, force: true });
    throw error;
  }
  if (previous) await rm(previous, { recursive: true, force: true });
  await removeStaleSiblings(parent, name);
  return result;
}

/** Writes a file under a temporary name in the same directory, then renames it into place. */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${uniqueSuffix()}`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * A fresh scratch folder `<parent>/<prefix><pid>-XXXXXX` (mkdtemp). First removes the scratch
 * folders of this prefix whose process is gone — a step killed with SIGKILL cannot clean up after
 * itself — keeping those of live processes. Pids are this host's (in a container, its own tmpfs).
 */
export async function createScratchDirectory(parent: string, prefix: string): Promise<string> {
  await removeEntriesOfDeadProcesses(parent, (entry) => pidAfterPrefix(entry, prefix, /^[A-Za-z0-9]{6}$/));
  return mkdtemp(join(parent, `${prefix}${process.pid}-`));
}
