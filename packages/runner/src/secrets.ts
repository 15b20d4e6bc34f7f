import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeEntriesOfDeadProcesses } from "@ct/step-kit";
import { giveTo, type RunUser } from "./user.ts";

const PREFIX = "ct-run-secrets-";
const OWNED = /^ct-run-secrets-(\d+)-/;

/**
 * Removes the secrets folders of runners that are gone (killed with SIGKILL, which no cleanup
 * survives): each folder's name carries the pid that made it. Returns how many it removed.
 */
export async function removeStaleSecretsDirectories(parent: string = tmpdir()): Promise<number> {
  return removeEntriesOfDeadProcesses(parent, (name) => {
    const pid = OWNED.exec(name)?.[1];
    return pid === undefined ? undefined : Number(pid);
  });
}

/** A private folder of secret files (`feature_store_password`, …), read by ct as `CT_SECRETS_DIR`. */
export interface SecretsDirectory {
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * Writes each secret to a file named after it in a new private folder (0700, files 0400), owned
 * by `owner` so a step running as that user can read it. Steps read them the way they read
 * Docker secrets (`/run/secrets/<name>`), so no password is in an environment variable, on a
 * command line or in `docker inspect`. The folder's name carries this process's pid, so that the
 * folders of a runner killed before it could remove them are removed by the next one.
 */
export async function writeSecretsDirectory(
  secrets: Readonly<Record<string, string>>,
  owner?: RunUser,
  parent: string = tmpdir(),
): Promise<SecretsDirectory> {
  await removeStaleSecretsDirectories(parent);
  const path = await mkdtemp(join(parent, `${PREFIX}${process.pid}-`));
  try {
    await chmod(path, 0o700);
    for (const [name, value] of Object.entries(secrets)) {
      const file = join(path, name);
      await writeFile(file, value, { mode: 0o400 });
      await giveTo(file, owner);
    }
    await giveTo(path, owner);
  } catch (error) {
    await rm(path, { recursive: true, force: true });
    throw error;
  }
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
