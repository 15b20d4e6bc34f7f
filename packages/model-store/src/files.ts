import { stat } from "node:fs/promises";
import { ModelStoreValidationError } from "./errors.ts";

/** A model file's content: bytes, UTF-8 text, or an existing file to copy. */
export type ModelFileContent = Uint8Array | string | { file: string };

/** A checked model file: a canonical relative path (`/`-separated) and its content. */
export interface ModelFileEntry {
  readonly path: string;
  readonly content: ModelFileContent;
}

/** Files the store writes itself, or that BentoML would interpret (cloudpickle-loads) on its own. */
const RESERVED_FILES = new Map([
  ["model.yaml", "it is written by the model store from the other fields"],
  ["custom_objects.pkl", "BentoML would cloudpickle-load it as the model's custom objects"],
]);

/**
 * Returns `path` if it is a safe relative file path inside a version folder: `/`-separated, no
 * backslash, not absolute, no empty, `.` or `..` segment, no NUL. Throws a ModelStoreValidationError
 * naming the path and the rule otherwise.
 */
export function validateFilePath(path: string): string {
  const fail = (rule: string): never => {
    throw new ModelStoreValidationError(`invalid model file path ${JSON.stringify(path)}: ${rule}`);
  };
  if (typeof path !== "string" || path.length === 0) fail("it is empty");
  if (path.includes("\\")) fail("backslashes are not allowed (use '/')");
  if (path.includes("\0")) fail("NUL characters are not allowed");
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) fail("it must be relative to the version folder");
  for (const segment of path.split("/")) {
    if (segment === "") fail("it has an empty segment (leading, trailing or doubled '/')");
    if (segment === "." || segment === "..") fail("'.' and '..' segments are not allowed");
  }
  const reserved = RESERVED_FILES.get(path);
  if (reserved !== undefined) fail(`${path} is reserved: ${reserved}`);
  return path;
}

function isContent(value: unknown): value is ModelFileContent {
  if (typeof value === "string" || value instanceof Uint8Array) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { file?: unknown }).file === "string" &&
    Object.keys(value).length === 1
  );
}

/**
 * Checks every path and content of `files` (including that no file is also used as a folder,
 * e.g. `a` and `a/b`, and that every `{ file }` source is an existing regular file) and returns
 * the entries sorted by path.
 */
export async function checkModelFiles(files: Record<string, ModelFileContent>): Promise<ModelFileEntry[]> {
  if (typeof files !== "object" || files === null || Array.isArray(files)) {
    throw new ModelStoreValidationError("files must be a mapping of relative paths to contents");
  }
  const entries: ModelFileEntry[] = [];
  for (const [path, content] of Object.entries(files)) {
    validateFilePath(path);
    if (!isContent(content)) {
      throw new ModelStoreValidationError(
        `model file ${JSON.stringify(path)}: content must be a Uint8Array, a string or { file: string }`,
      );
    }
    if (typeof content === "object" && !(content instanceof Uint8Array)) {
      let ok = false;
      try {
        ok = (await stat(content.file)).isFile();
      } catch {
        ok = false;
      }
      if (!ok) {
        throw new ModelStoreValidationError(
          `model file ${JSON.stringify(path)}: source ${JSON.stringify(content.file)} is not an existing regular file`,
        );
      }
    }
    entries.push({ path, content });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const paths = new Set(entries.map((entry) => entry.path));
  for (const { path } of entries) {
    const segments = path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join("/");
      if (paths.has(folder)) {
        throw new ModelStoreValidationError(
          `model files ${JSON.stringify(folder)} and ${JSON.stringify(path)} conflict: ${JSON.stringify(folder)} would be both a file and a folder`,
        );
      }
    }
  }
  return entries;
}
