import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export { type BinResult, runBuiltBin } from "@ct/step-kit/test-support";

const at = (relative: string): string => fileURLToPath(new URL(`../../../${relative}`, import.meta.url));

/** The built bundles the fault tests run as real processes (`pnpm test` builds them first). */
export const bins = {
  extract: at("steps/extract/dist/bin.js"),
  preprocess: at("steps/preprocess/dist/bin.js"),
  ct: at("packages/ct/dist/bin.js"),
} as const;

export interface AsyncBinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  seconds: number;
}

export interface RunningBin {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr contains `text` (rejects if the process ends first). */
  waitForStderr(text: string | RegExp): Promise<void>;
  /** Resolves when the process has exited. */
  readonly done: Promise<AsyncBinResult>;
}

/**
 * Starts a built bin without blocking this process (so an in-process proxy keeps serving), with
 * the same environment as `runBuiltBin`: only PATH, no secrets directory, plus `env`; from `/`.
 */
export function startBin(bin: string, args: readonly string[], env: Record<string, string>): RunningBin {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? "", CT_SECRETS_DIR: "/nonexistent", ...env },
    cwd: "/",
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const done = new Promise<AsyncBinResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
  let exited = false;
  void done.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );
  return {
    child,
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitForStderr(text) {
      const seen = (): boolean => (typeof text === "string" ? stderr.includes(text) : text.test(stderr));
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (seen()) {
            listeners.delete(check);
            resolve();
          } else if (exited || child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`process ended before stderr showed ${String(text)}:\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs a built bin to its end without blocking the event loop. */
export function runBin(
  bin: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<AsyncBinResult> {
  return startBin(bin, args, env).done;
}
