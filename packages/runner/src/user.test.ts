import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@ct/step-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDirectory, mustChown, parseRunUser, resolveRunUser } from "./user.ts";

const isRoot = process.getuid?.() === 0;

describe("resolveRunUser", () => {
  const current = { uid: 0, gid: 0 };
  it("prefers --user, then CT_UID/CT_GID, then SUDO_UID/SUDO_GID under root, then the current user", () => {
    const env = { CT_UID: "1001", CT_GID: "1002", SUDO_UID: "1003", SUDO_GID: "1004" };
    expect(resolveRunUser({ flag: "1000:1000", env, current })).toEqual({
      uid: 1000,
      gid: 1000,
      source: "--user",
    });
    expect(resolveRunUser({ env, current })).toEqual({ uid: 1001, gid: 1002, source: "CT_UID/CT_GID" });
    expect(resolveRunUser({ env: { SUDO_UID: "1003", SUDO_GID: "1004" }, current })).toEqual({
      uid: 1003,
      gid: 1004,
      source: "SUDO_UID/SUDO_GID",
    });
    // sudo's variables only matter to root: a user who ran `sudo -E` keeps being themselves.
    expect(resolveRunUser({ env: { SUDO_UID: "1003" }, current: { uid: 500, gid: 500 } })).toEqual({
      uid: 500,
      gid: 500,
      source: "current user",
    });
    expect(resolveRunUser({ env: {}, current })).toEqual({ uid: 0, gid: 0, source: "current user" });
  });

  it("parses uid:gid and a bare uid, and rejects anything else", () => {
    expect(parseRunUser("1000")).toEqual({ uid: 1000, gid: 1000 });
    expect(parseRunUser("1000:50")).toEqual({ uid: 1000, gid: 50 });
    for (const bad of ["", "node", "1000:", "1:2:3", "-1:0", "1000:staff"]) {
      expect(() => parseRunUser(bad)).toThrow(UsageError);
    }
    expect(() => resolveRunUser({ env: { CT_UID: "me" }, current })).toThrow(
      /invalid CT_UID\/CT_GID "me:me"/,
    );
  });

  it("chowns only as root, for someone else", () => {
    expect(mustChown({ uid: 1000, gid: 1000 }, { uid: 0, gid: 0 })).toBe(true);
    expect(mustChown({ uid: 0, gid: 0 }, { uid: 0, gid: 0 })).toBe(false);
    expect(mustChown({ uid: 1000, gid: 1000 }, { uid: 1000, gid: 1000 })).toBe(false);
    expect(mustChown(undefined, { uid: 0, gid: 0 })).toBe(false);
  });
});

describe("ensureDirectory", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ct-runner-user-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates missing folders", async () => {
    await ensureDirectory(join(dir, "a", "b"));
    expect((await stat(join(dir, "a", "b"))).isDirectory()).toBe(true);
  });

  it.skipIf(!isRoot)(
    "as root, gives every folder it creates to the owner, not the existing parents",
    async () => {
      const owner = { uid: 1000, gid: 1000 };
      await ensureDirectory(join(dir, "home", "artifacts", "locks"), owner);
      for (const path of ["home", "home/artifacts", "home/artifacts/locks"]) {
        const info = await stat(join(dir, path));
        expect([path, info.uid, info.gid]).toEqual([path, 1000, 1000]);
      }
      expect((await stat(dir)).uid).toBe(0);
    },
  );

  it.skipIf(!isRoot)(
    "as root, takes back a root-owned existing folder (what Docker leaves) for the owner",
    async () => {
      await mkdir(join(dir, "made-by-docker"));
      await ensureDirectory(join(dir, "made-by-docker"), { uid: 1000, gid: 1000 });
      expect((await stat(join(dir, "made-by-docker"))).uid).toBe(1000);
    },
  );
});
