import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The ct repository (a folder with `pnpm-workspace.yaml` and `steps/`) at or above one of
 * `starts`: the steps' bundles and Dockerfiles live there.
 */
export function findRepositoryRoot(starts: readonly string[]): string | undefined {
  for (const start of starts) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, "pnpm-workspace.yaml")) && existsSync(join(dir, "steps"))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** A step's tsup bundle, relative to the repository root (what its image copies to `/app/bin.js`). */
export function stepBundle(step: string): string {
  return `steps/${step}/dist/bin.js`;
}

/** A step's Dockerfile, relative to the repository root. */
export function stepDockerfile(step: string): string {
  return `steps/${step}/Dockerfile`;
}

/** The version in `steps/<step>/package.json` (the image's version tag), or undefined. */
export function stepVersion(root: string, step: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(root, "steps", step, "package.json"), "utf8")) as {
      version?: unknown;
    };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
