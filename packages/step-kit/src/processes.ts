import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** True unless `pid` certainly does not exist on this machine (EPERM: it exists, someone else's). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Removes the entries of `parent` left by processes that are gone: `pidOf` reads the pid a name
 * carries (undefined: not such an entry), and an entry is removed when that process no longer
 * runs here — what a SIGKILL, an OOM kill or a power loss leaves, since no cleanup survives them.
 * Entries of live processes (this one included) are kept. Returns how many were removed.
 */
export async function removeEntriesOfDeadProcesses(
  parent: string,
  pidOf: (name: string) => number | undefined,
): Promise<number> {
  let removed = 0;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = pidOf(name);
    if (pid === undefined || isProcessAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true }).then(
      () => {
        removed += 1;
      },
      () => undefined,
    );
  }
  return removed;
}

/** The pid in `<prefix><pid>-<rest>` where `rest` matches `restPattern` (anchored), else undefined. */
export function pidAfterPrefix(name: string, prefix: string, restPattern: RegExp): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(\d+)-(.*)$/.exec(name.slice(prefix.length));
  return match && restPattern.test(match[2] ?? "") ? Number(match[1]) : undefined;
}
