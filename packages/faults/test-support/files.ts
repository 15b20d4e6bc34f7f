import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** A fresh temporary folder for one test file; `remove()` deletes it. */
export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function createTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `ct-faults-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Every file and folder under `root` (relative paths, sorted); [] when `root` does not exist. */
export function listTree(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(directory);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(directory, entry);
      found.push(relative(root, path));
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(root);
  return found.sort();
}

/** The files under `root` whose bytes contain `needle`. */
export function filesContaining(root: string, needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  return listTree(root).filter((path) => {
    const full = join(root, path);
    return statSync(full).isFile() && readFileSync(full).includes(bytes);
  });
}

/**
 * Every file under `root` with its size and SHA-256, for byte-for-byte comparisons (comparing the
 * Buffers themselves with `toEqual` walks every byte through the generic matcher: minutes for MBs).
 */
export function hashTree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of listTree(root)) {
    const full = join(root, path);
    if (!statSync(full).isFile()) continue;
    const bytes = readFileSync(full);
    files[path] = `${bytes.length} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex")}`;
  }
  return files;
}
