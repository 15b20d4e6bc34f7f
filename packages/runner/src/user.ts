import { chown, mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "@ct/step-kit";

/** A numeric user and group, as containers and chown take them. */
export interface RunUser {
  readonly uid: number;
  readonly gid: number;
}

/** Where the user of a run came from, for the progress line. */
export interface ResolvedRunUser extends RunUser {
  readonly source: "--user" | "CT_UID/CT_GID" | "SUDO_UID/SUDO_GID" | "current user";
}

/** The effective uid/gid of this process. */
export function currentUser(): RunUser {
  return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
}

const ID = /^\d{1,10}$/;

/** Parses `uid:gid` (or a bare `uid`, whose gid is then the same number). */
export function parseRunUser(text: string, what = "--user"): RunUser {
  const [uidText = "", gidText, ...rest] = text.split(":");
  const gid = gidText ?? uidText;
  if (rest.length > 0 || !ID.test(uidText) || !ID.test(gid)) {
    throw new UsageError(
      `invalid ${what} ${JSON.stringify(text)}: expected numeric uid:gid such as 1000:1000`,
    );
  }
  return { uid: Number(uidText), gid: Number(gid) };
}

/**
 * The user the steps run as, so every file they write on host folders belongs to the person who
 * started the run: `--user uid:gid`, else `CT_UID`/`CT_GID` (the compose stack's variables), else,
 * when running as root through sudo, `SUDO_UID`/`SUDO_GID`, else this process's own user.
 */
export function resolveRunUser(input: {
  readonly flag?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly current: RunUser;
}): ResolvedRunUser {
  const { flag, env, current } = input;
  if (flag !== undefined && flag !== "") return { ...parseRunUser(flag), source: "--user" };
  if (env.CT_UID) {
    const user = parseRunUser(`${env.CT_UID}:${env.CT_GID || env.CT_UID}`, "CT_UID/CT_GID");
    return { ...user, source: "CT_UID/CT_GID" };
  }
  if (current.uid === 0 && env.SUDO_UID) {
    const user = parseRunUser(`${env.SUDO_UID}:${env.SUDO_GID || env.SUDO_UID}`, "SUDO_UID/SUDO_GID");
    return { ...user, source: "SUDO_UID/SUDO_GID" };
  }
  return { ...current, source: "current user" };
}

/** True when this process can and should give files to `owner` (it is root, `owner` is not). */
export function mustChown(owner: RunUser | undefined, current: RunUser = currentUser()): owner is RunUser {
  return owner !== undefined && current.uid === 0 && (owner.uid !== 0 || owner.gid !== 0);
}

/**
 * Creates `path` (and missing parents) so that it belongs to `owner`: each folder this call
 * creates is given to `owner`, and so is `path` itself when it exists but belongs to root (what
 * the Docker daemon leaves when it creates a missing bind-mount folder). Only root can give
 * folders away; any other user creates them as itself, which is then the owner.
 */
export async function ensureDirectory(path: string, owner?: RunUser): Promise<void> {
  const target = resolve(path);
  const firstCreated = await mkdir(target, { recursive: true });
  if (!mustChown(owner)) return;
  if (firstCreated !== undefined) {
    // Everything from the first folder created down to `target` is new: give it all away.
    const created: string[] = [];
    for (let dir = target; ; dir = dirname(dir)) {
      created.push(dir);
      if (dir === firstCreated || dirname(dir) === dir) break;
    }
    for (const dir of created) await chown(dir, owner.uid, owner.gid);
    return;
  }
  const info = await stat(target);
  if (info.uid === 0) await chown(target, owner.uid, owner.gid);
}

/** Gives a file this process made to `owner`, when it must (see `ensureDirectory`). */
export async function giveTo(path: string, owner: RunUser | undefined): Promise<void> {
  if (mustChown(owner)) await chown(path, owner.uid, owner.gid);
}
