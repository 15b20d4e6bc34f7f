import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

export interface FindCatboostOptions {
  /** The value of `CATBOOST_BIN` (a path, or a command name looked up on `path`). Wins when set. */
  readonly catboostBin?: string;
  /** The value of `PATH` to search for `catboost` when `catboostBin` is not set. */
  readonly path?: string;
  /** Told why a `catboostBin` that is set was not usable. */
  readonly onWarning?: (message: string) => void;
}

/** True if `file` is a regular file this process may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the directories of a PATH value (empty entries are skipped). */
export function searchPath(name: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The catboost binary to run: `catboostBin` (CATBOOST_BIN) when set — a path (resolved to an
 * absolute one) or a bare command name looked up on `path` — else `catboost` on `path`.
 * Returns undefined when nothing executable is found. A CATBOOST_BIN that is set but not
 * executable gives undefined (with a warning), not a fallback to PATH: the user asked for that binary.
 */
export function findCatboost(opts: FindCatboostOptions): string | undefined {
  const configured = opts.catboostBin?.trim();
  if (configured) {
    const found = configured.includes("/") ? resolve(configured) : searchPath(configured, opts.path);
    if (found && isExecutableFile(found)) return found;
    opts.onWarning?.(
      configured.includes("/")
        ? `CATBOOST_BIN=${configured} is not an executable file`
        : `CATBOOST_BIN=${configured} was not found on PATH`,
    );
    return undefined;
  }
  return searchPath("catboost", opts.path);
}

/**
 * The version in `catboost --version` output. The binary prints its build info
 * (`PrintProgramSvnVersion`); release builds name the tag (`v1.2.7`) or the version. Falls back
 * to `git <commit>` when only a commit is printed; undefined when nothing recognisable is there.
 */
export function parseVersionOutput(text: string): string | undefined {
  const tagged =
    /catboost[\s_-]+v?(\d+\.\d+(?:\.\d+)?)/i.exec(text) ??
    /(?:tags\/|release[-/]|\bv)(\d+\.\d+(?:\.\d+)?)\b/i.exec(text) ??
    /\bversion[:\s]+v?(\d+\.\d+(?:\.\d+)?)\b/i.exec(text);
  if (tagged?.[1]) return tagged[1];
  const commit = /commit[:\s]+([0-9a-f]{12,40})/i.exec(text);
  if (commit?.[1]) return `git ${commit[1].slice(0, 12)}`;
  return undefined;
}

/** `catboost --version`, parsed (see parseVersionOutput); undefined if it cannot be run or says nothing usable. */
export function catboostVersion(binary: string, opts: { timeoutMs?: number } = {}): string | undefined {
  const result = spawnSync(binary, ["--version"], {
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 10_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error) return undefined;
  return parseVersionOutput(`${result.stdout ?? ""}\n${result.stderr ?? ""}`);
}
