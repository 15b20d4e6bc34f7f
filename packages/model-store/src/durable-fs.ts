import { constants } from "node:fs";
import { copyFile, mkdir, mkdtemp, open, readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/**
 * Flushes a directory's entries (new names, renames) to disk. Some file systems refuse to fsync a
 * directory (EINVAL/EISDIR/EPERM); there the rename is as durable as the platform allows.
 */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM" && code !== "ENOTSUP") throw error;
  } finally {
    await handle?.close();
  }
}

/** Creates `path` (which must not exist), writes `data` and fsyncs it before returning. */
export async function writeFileDurably(path: string, data: string | Uint8Array): Promise<number> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}

/** Copies `source` to the new file `target` and fsyncs the copy. */
export async function copyFileDurably(source: string, target: string): Promise<number> {
  await copyFile(source, target, constants.COPYFILE_EXCL);
  const handle = await open(target, "r+");
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** Fsyncs `dir` and every directory below it, deepest first. */
export async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await fsyncTree(join(dir, entry.name));
  }
  await fsyncDirectory(dir);
}

/** `mkdir -p` that fsyncs every directory it creates and the parent of the top-most one, so the path survives a crash. */
export async function mkdirDurably(path: string): Promise<void> {
  const target = resolve(path);
  const first = await mkdir(target, { recursive: true });
  if (first === undefined) return;
  for (let current = target; ; current = dirname(current)) {
    await fsyncDirectory(current);
    if (current === first || dirname(current) === current) break;
  }
  await fsyncDirectory(dirname(first));
}

/** A new, uniquely named directory under `parent` (created if needed), named `<prefix>-<pid>-XXXXXX`. */
export async function makeUniqueDirectory(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `${prefix}-${process.pid}-`));
}

/** True if `path` exists (following symlinks). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    ) {
      return false;
    }
    throw error;
  }
}

/** True if `path` is a directory (following symlinks, as BentoML's `fs.isdir` does). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    ) {
      return false;
    }
    throw error;
  }
}
