import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ExitCode, InterruptedError, isProcessAlive } from "@ct/step-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockHeldError, type LockHolder, RunnerExitCode } from "./errors.ts";
import { acquireLock, type LockOptions, runLockPath, withLock } from "./lock.ts";

let dir: string;
let path: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-runner-lock-"));
  path = runLockPath(join(dir, "artifacts"), "m", "2025-02-14");
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

const options = (extra: Partial<LockOptions> = {}): LockOptions => ({
  path,
  subject: "model m base_dt 2025-02-14",
  command: "ct run",
  timeoutSeconds: 0,
  pollMs: 20,
  ...extra,
});

/** A pid that existed and is certainly gone now. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(result.stdout);
}

async function writeHolder(holder: Partial<LockHolder>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const full: LockHolder = {
    pid: 1,
    hostname: hostname(),
    since: "2025-02-14T00:00:00.000Z",
    command: "ct run",
    token: "t0ken",
    ...holder,
  };
  await writeFile(path, JSON.stringify(full));
}

describe("acquireLock", () => {
  it("lives at <artifacts>/locks/<model>/<base_dt>.lock and records pid, host and command", async () => {
    expect(path).toBe(join(dir, "artifacts", "locks", "m", "2025-02-14.lock"));
    const lock = await acquireLock(options());
    const recorded = JSON.parse(await readFile(path, "utf8")) as LockHolder;
    expect(recorded).toMatchObject({ pid: process.pid, hostname: hostname(), command: "ct run" });
    await lock.release();
    await expect(readFile(path)).rejects.toMatchObject({ code: "ENOENT" });
    await lock.release();
  });

  it("fails at once, exit 75, naming the holder's pid, when another live process holds it", async () => {
    const other = spawn("sleep", ["30"]);
    children.push(other);
    await writeHolder({ pid: other.pid, command: "ct backfill" });
    const attempt = acquireLock(options());
    await expect(attempt).rejects.toBeInstanceOf(LockHeldError);
    const error = (await attempt.catch((caught: unknown) => caught)) as LockHeldError;
    expect(error.exitCode).toBe(RunnerExitCode.locked);
    expect(error.exitCode).toBe(75);
    expect(error.message).toContain(`is being run by pid ${other.pid} (ct backfill) on ${hostname()}`);
    expect(error.message).toContain("--lock_timeout");
    expect(error.holder?.pid).toBe(other.pid);
  });

  it("waits up to the timeout for the holder to finish", async () => {
    const first = await acquireLock(options());
    const waits: Array<number | undefined> = [];
    setTimeout(() => void first.release(), 300);
    const started = Date.now();
    const second = await acquireLock(
      options({ timeoutSeconds: 10, onWait: (holder) => waits.push(holder?.pid) }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(waits).toEqual([process.pid]);
    await second.release();
  });

  it("gives up after the timeout", async () => {
    const first = await acquireLock(options());
    const started = Date.now();
    await expect(acquireLock(options({ timeoutSeconds: 0.3 }))).rejects.toThrow(/after waiting 0.3s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await first.release();
  });

  it("removes a stale lock whose process is gone", async () => {
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    await writeHolder({ pid });
    const stale: number[] = [];
    const lock = await acquireLock(options({ onStale: (holder) => stale.push(holder.pid) }));
    expect(stale).toEqual([pid]);
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });

  it("never takes a lock of another host for stale (its pid cannot be probed)", async () => {
    await writeHolder({ pid: deadPid(), hostname: "some-other-host" });
    await expect(acquireLock(options())).rejects.toThrow(/pid \d+ \(ct run\) on some-other-host/);
  });

  it("removes an unreadable lock file left long ago", async () => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireLock(options());
    await lock.release();
  });

  it("stops waiting when interrupted", async () => {
    const first = await acquireLock(options());
    const controller = new AbortController();
    setTimeout(() => controller.abort(new InterruptedError("interrupted by SIGINT")), 100);
    const attempt = acquireLock(options({ timeoutSeconds: 30, signal: controller.signal }));
    await expect(attempt).rejects.toBeInstanceOf(InterruptedError);
    await expect(attempt).rejects.toMatchObject({ exitCode: ExitCode.interrupted });
    await first.release();
  });

  it("lets exactly one of many simultaneous takers win, also over a stale lock", async () => {
    for (const stale of [false, true]) {
      if (stale) await writeHolder({ pid: deadPid() });
      const attempts = await Promise.allSettled(Array.from({ length: 12 }, () => acquireLock(options())));
      const won = attempts.filter((attempt) => attempt.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === "rejected") expect(attempt.reason).toBeInstanceOf(LockHeldError);
      }
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
    }
  });

  it("does not remove a lock that is no longer its own", async () => {
    const lock = await acquireLock(options());
    await writeHolder({ pid: process.pid, token: "someone-else" });
    await lock.release();
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ token: "someone-else" });
  });

  it("locks dates separately, and releases after the work whatever happens", async () => {
    const other = runLockPath(join(dir, "artifacts"), "m", "2025-02-15");
    const first = await acquireLock(options());
    const second = await acquireLock(options({ path: other }));
    await first.release();
    await second.release();
    await expect(
      withLock(options(), async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(readFile(path)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
