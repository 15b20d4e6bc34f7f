import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScratchDirectory, writeDirectoryAtomically, writeFileAtomically } from "./atomic.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ct-atomic-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("writeDirectoryAtomically", () => {
  it("creates the directory only when the build finished", async () => {
    const target = join(root, "out", "2025-02-10");
    await writeDirectoryAtomically(target, async (dir) => {
      await writeFile(join(dir, "a.csv"), "x\n");
      expect(await readdir(join(root, "out"))).not.toContain("2025-02-10");
    });
    expect(await readFile(join(target, "a.csv"), "utf8")).toBe("x\n");
    expect(await readdir(join(root, "out"))).toEqual(["2025-02-10"]);
  });

  it("leaves the previous directory intact and no temporary files when the build fails", async () => {
    const target = join(root, "out");
    await writeDirectoryAtomically(target, (dir) => writeFile(join(dir, "v"), "1"));
    await expect(
      writeDirectoryAtomically(target, async (dir) => {
        await writeFile(join(dir, "v"), "partial");
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(await readFile(join(target, "v"), "utf8")).toBe("1");
    expect(await readdir(root)).toEqual(["out"]);
  });

  it("replaces an existing directory whole", async () => {
    const target = join(root, "out");
    await writeDirectoryAtomically(target, (dir) => writeFile(join(dir, "old"), "1"));
    await writeDirectoryAtomically(target, (dir) => writeFile(join(dir, "new"), "2"));
    expect(await readdir(target)).toEqual(["new"]);
    expect(await readdir(root)).toEqual(["out"]);
  });

  it("removes the leftovers of killed writers (dead pid), keeps a live writer's and unrelated folders", async () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number; // exited: its pid is gone
    const leftovers = [`.out.tmp-${dead}-0123abcd`, `.out.old-${dead}-89abcdef`];
    const kept = [`.out.tmp-${process.ppid}-0123abcd`, `.other.tmp-${dead}-0123abcd`, ".out.tmp-x"];
    for (const name of [...leftovers, ...kept]) await mkdir(join(root, name));
    await writeDirectoryAtomically(join(root, "out"), (dir) => writeFile(join(dir, "v"), "1"));
    expect((await readdir(root)).sort()).toEqual(["out", ...kept].sort());
  });
});

describe("writeFileAtomically", () => {
  it("writes through a temporary name", async () => {
    const path = join(root, "deep", "f.json");
    await writeFileAtomically(path, "{}");
    expect(await readFile(path, "utf8")).toBe("{}");
    expect(await readdir(join(root, "deep"))).toEqual(["f.json"]);
  });
});

describe("createScratchDirectory", () => {
  it("makes <prefix><pid>-XXXXXX and removes those of dead processes, keeping live ones", async () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number; // exited: its pid is gone
    await mkdir(join(root, `ct-x-${dead}-abcDEF`));
    await mkdir(join(root, "ct-x-1-abcDEF")); // pid 1 is alive
    await mkdir(join(root, "ct-x-unrelated"));
    await mkdir(join(root, `other-${dead}-abcDEF`));
    const made = await createScratchDirectory(root, "ct-x-");
    expect(made).toMatch(new RegExp(`/ct-x-${process.pid}-[A-Za-z0-9]{6}$`));
    const left = (await readdir(root)).sort();
    expect(left).not.toContain(`ct-x-${dead}-abcDEF`);
    expect(left).toEqual(
      ["ct-x-1-abcDEF", "ct-x-unrelated", `other-${dead}-abcDEF`, made.split("/").at(-1) ?? ""].sort(),
    );
  });
});
