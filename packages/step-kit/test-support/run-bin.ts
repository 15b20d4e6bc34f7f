import { spawnSync } from "node:child_process";

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built CLI bundle as a user would: a fresh Node process, a minimal environment (only
 * PATH plus `env`; no secrets directory), from `/`.
 */
export function runBuiltBin(bin: string, args: readonly string[], env: Record<string, string>): BinResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", CT_SECRETS_DIR: "/nonexistent", ...env },
    cwd: "/",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
