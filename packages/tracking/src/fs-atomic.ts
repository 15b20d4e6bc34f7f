import { randomBytes } from "node:crypto";
import { copyFile, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ArtifactContent } from "./types.ts";

/** Temporary files start with this prefix; they only ever live at the top of a run/model/experiment dir. */
export const TEMP_PREFIX = ".ct-tmp-";

function temporaryPath(scratchDir: string): string {
  return join(scratchDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
}

async function renameIntoPlace(temporary: string, finalPath: string): Promise<void> {
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(temporary, finalPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `data` to `finalPath` crash-safely: into a temporary file in `scratchDir` (same file
 * system), fsync, then rename. Unlike step-kit's `writeFileAtomically` (temporary *beside* the
 * target), the temporary never appears inside `params/`, `metrics/`, `tags/` or `artifacts/`,
 * where MLflow would read it as a key or list it as an artifact. `scratchDir` is the top of the
 * owning run/model/experiment directory, where MLflow ignores plain files.
 */
export async function writeFileVia(
  scratchDir: string,
  finalPath: string,
  data: string | Uint8Array,
): Promise<void> {
  const temporary = temporaryPath(scratchDir);
  const handle = await open(temporary, "wx");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await renameIntoPlace(temporary, finalPath);
}

/** Stores artifact content (bytes, text or a file to copy) at `finalPath` via `scratchDir`. */
export async function writeArtifactVia(
  scratchDir: string,
  finalPath: string,
  content: ArtifactContent,
): Promise<number> {
  if (typeof content === "string" || content instanceof Uint8Array) {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    await writeFileVia(scratchDir, finalPath, data);
    return data.byteLength;
  }
  const temporary = temporaryPath(scratchDir);
  let size: number;
  try {
    await copyFile(content.file, temporary);
    const handle = await open(temporary, "r+");
    await handle.sync().finally(() => handle.close());
    size = (await stat(temporary)).size;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await renameIntoPlace(temporary, finalPath);
  return size;
}

/** The file's text, or `undefined` if it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** `mkdir` that reports whether this call created the directory (false if it already existed). */
export async function mkdirExclusive(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
