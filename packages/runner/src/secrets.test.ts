import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeStaleSecretsDirectories, writeSecretsDirectory } from "./secrets.ts";

const isRoot = process.getuid?.() === 0;
let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), "ct-runner-secrets-test-"));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout);
}

describe("writeSecretsDirectory", () => {
  it("writes each secret to a private file, in a folder named after this process, and removes it", async () => {
    const secrets = await writeSecretsDirectory(
      { feature_store_password: "p@ss", mlflow_tracking_token: "t" },
      undefined,
      parent,
    );
    expect(secrets.path.startsWith(join(parent, `ct-run-secrets-${process.pid}-`))).toBe(true);
    expect((await stat(secrets.path)).mode & 0o777).toBe(0o700);
    const file = join(secrets.path, "feature_store_password");
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    expect(await readFile(file, "utf8")).toBe("p@ss");
    await secrets.remove();
    expect(await readdir(parent)).toEqual([]);
  });

  it.skipIf(!isRoot)("gives the folder and its files to the step's user", async () => {
    const secrets = await writeSecretsDirectory(
      { feature_store_password: "x" },
      { uid: 1000, gid: 1000 },
      parent,
    );
    for (const path of [secrets.path, join(secrets.path, "feature_store_password")]) {
      const info = await stat(path);
      expect([info.uid, info.gid]).toEqual([1000, 1000]);
    }
    await secrets.remove();
  });

  it("removes the folders of runners that are gone (SIGKILL), never a live one's", async () => {
    const dead = join(parent, `ct-run-secrets-${deadPid()}-abc123`);
    const live = join(parent, `ct-run-secrets-${process.pid}-def456`);
    const other = join(parent, "something-else");
    for (const dir of [dead, live, other]) await mkdir(dir);
    expect(await removeStaleSecretsDirectories(parent)).toBe(1);
    expect((await readdir(parent)).sort()).toEqual([
      `ct-run-secrets-${process.pid}-def456`,
      "something-else",
    ]);
    // Every new folder sweeps first.
    await mkdir(dead);
    const secrets = await writeSecretsDirectory({}, undefined, parent);
    expect(await readdir(parent)).not.toContain(dead.slice(parent.length + 1));
    await secrets.remove();
  });
});
