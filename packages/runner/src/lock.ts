import { randomBytes } from "node:crypto";
import { readFile, stat, unlink, writeFile } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { dirname, join } from "node:path";
import { InterruptedError, isProcessAlive, throwIfInterrupted } from "@ct/step-kit";
import { LockHeldError, type LockHolder } from "./errors.ts";
import { ensureDirectory, giveTo, type RunUser } from "./user.ts";

/** The lock file of a model and date: `<artifacts>/locks/<model_name>/<base_dt>.lock`. */
export function runLockPath(artifactsPath: string, modelName: string, baseDt: string): string {
  return join(artifactsPath, "locks", modelName, `${baseDt}.lock`);
}

export interface LockOptions {
  /** The lock file (see `runLockPath`). */
  readonly path: string;
  /** What is locked, for messages: `model m, base_dt 2025-02-14`. */
  readonly subject: string;
  /** What takes the lock, recorded for whoever finds it held: `ct run`. */
  readonly command: string;
  /** How long to wait for a held lock; 0 fails at once. */
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
  /** Owner of the locks folders this creates. */
  readonly owner?: RunUser;
  /** Milliseconds between attempts while waiting (default 250). */
  readonly pollMs?: number;
  /** Called once when the lock is found held and the call starts waiting. */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /** Called when a stale lock (its process is gone) is removed. */
  readonly onStale?: (holder: LockHolder) => void;
}

export interface RunLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the lock file, if it is still this lock's. Safe to call twice. */
  release(): Promise<void>;
}

/** A lock file written so recently that it may still be empty (create, then write). */
const FRESH_MS = 2000;
/** A `.break` guard older than this was left by a process that died while breaking a lock. */
const BREAK_GUARD_STALE_MS = 10_000;

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.token === "string") {
      return {
        pid: value.pid,
        hostname: String(value.hostname ?? ""),
        since: String(value.since ?? ""),
        command: String(value.command ?? ""),
        token: value.token,
      };
    }
  } catch {
    // Not (yet) JSON.
  }
  return undefined;
}

type Observed =
  | { state: "free" }
  | { state: "held"; holder: LockHolder }
  | { state: "stale"; holder: LockHolder }
  /** Being written right now (empty), or unreadable: treated as held. */
  | { state: "unknown"; ageMs: number };

async function observe(path: string): Promise<Observed> {
  let text: string;
  let ageMs: number;
  try {
    [text, ageMs] = await Promise.all([
      readFile(path, "utf8"),
      stat(path).then((info) => Date.now() - info.mtimeMs),
    ]);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return { state: "free" };
    throw error;
  }
  const holder = parseHolder(text);
  if (!holder) return { state: "unknown", ageMs };
  // A process on another machine (a shared folder) cannot be probed: it counts as alive.
  if (holder.hostname === osHostname() && !isProcessAlive(holder.pid)) return { state: "stale", holder };
  return { state: "held", holder };
}

/**
 * Removes a stale lock file, if it is still the one observed. Breakers serialize on a
 * `<lock>.break` file (O_EXCL), so two waiters that both saw the same stale lock cannot remove a
 * fresh lock that a third process took in between.
 */
async function breakStaleLock(path: string, stale: LockHolder): Promise<void> {
  const guard = `${path}.break`;
  try {
    await writeFile(guard, String(process.pid), { flag: "wx" });
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
    const age = await stat(guard).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (age > BREAK_GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return;
  }
  try {
    const current = parseHolder(await readFile(path, "utf8").catch(() => ""));
    if (current?.token === stale.token) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return "another process (the lock file is being written or unreadable)";
  const command = holder.command ? ` (${holder.command})` : "";
  return `pid ${holder.pid}${command} on ${holder.hostname || "an unknown host"} since ${holder.since}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new InterruptedError("interrupted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Takes the lock file `path`: created with O_EXCL, holding this process's pid, host, start time
 * and a random token. A lock whose process is gone (same host, pid not alive) is stale and is
 * removed. A live one makes this call wait up to `timeoutSeconds` (0: not at all), then throw
 * `LockHeldError` (exit 75) naming the holder's pid.
 */
export async function acquireLock(options: LockOptions): Promise<RunLock> {
  const { path, signal } = options;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + Math.max(0, options.timeoutSeconds) * 1000;
  await ensureDirectory(dirname(path), options.owner);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: osHostname(),
    since: new Date().toISOString(),
    command: options.command,
    token: randomBytes(12).toString("hex"),
  };
  let waiting = false;
  for (;;) {
    throwIfInterrupted(signal);
    try {
      await writeFile(path, `${JSON.stringify(holder)}\n`, { flag: "wx", mode: 0o644 });
      await giveTo(path, options.owner);
      let released = false;
      return {
        path,
        holder,
        async release() {
          if (released) return;
          released = true;
          const current = parseHolder(await readFile(path, "utf8").catch(() => ""));
          if (current?.token === holder.token) await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
    }
    const seen = await observe(path);
    if (seen.state === "free") continue;
    if (seen.state === "stale") {
      options.onStale?.(seen.holder);
      await breakStaleLock(path, seen.holder);
      continue;
    }
    if (seen.state === "unknown" && seen.ageMs > FRESH_MS * 5) {
      // An empty or garbled lock file nobody finished writing long ago: no process to wait for.
      await unlink(path).catch(() => undefined);
      continue;
    }
    const current = seen.state === "held" ? seen.holder : undefined;
    // An empty lock file is being written right now: give its writer a moment before judging.
    const justCreated = seen.state === "unknown" && seen.ageMs < FRESH_MS;
    if (Date.now() >= deadline && !justCreated) {
      const waited = options.timeoutSeconds > 0 ? ` after waiting ${options.timeoutSeconds}s` : "";
      throw new LockHeldError(
        `${options.subject} is being run by ${describeHolder(current)}${waited}; ` +
          `retry later, wait with --lock_timeout SECONDS, or remove ${path} if that process is not a ct run`,
        path,
        current,
      );
    }
    if (!waiting && !justCreated) {
      waiting = true;
      options.onWait?.(current);
    }
    await sleep(justCreated ? Math.min(pollMs, 50) : pollMs, signal);
  }
}

/** Runs `work` holding the lock; releases it afterwards, whatever happens. */
export async function withLock<T>(options: LockOptions, work: (lock: RunLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(options);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}
