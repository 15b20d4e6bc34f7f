import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catboostVersion, findCatboost, parseVersionOutput } from "./find.ts";

let root: string;
let binDir: string;
let otherDir: string;
let notExecDir: string;

async function script(path: string, body: string, mode = 0o755): Promise<string> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return path;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ct-catboost-find-"));
  binDir = join(root, "bin");
  otherDir = join(root, "other");
  notExecDir = join(root, "not-exec");
  await mkdir(binDir);
  await mkdir(otherDir);
  await mkdir(notExecDir);
  await mkdir(join(root, "dir-named-catboost", "catboost"), { recursive: true });
  await script(join(binDir, "catboost"), `echo "Git info:"; echo "    Branch: refs/tags/v1.2.7"`);
  await script(join(notExecDir, "catboost"), "echo no", 0o644);
  await script(join(otherDir, "catboost-1.2.5"), "echo 'CatBoost 1.2.5'");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("findCatboost", () => {
  it("finds an executable `catboost` on PATH, skipping non-executables, directories and missing dirs", () => {
    const path = [
      join(root, "missing"),
      notExecDir,
      join(root, "dir-named-catboost"),
      "relative/dir",
      "",
      binDir,
    ].join(delimiter);
    expect(findCatboost({ path })).toBe(join(binDir, "catboost"));
    expect(findCatboost({ path: [notExecDir, otherDir].join(delimiter) })).toBeUndefined();
    expect(findCatboost({})).toBeUndefined();
  });

  it("prefers CATBOOST_BIN over PATH: a path, or a command name looked up on PATH", () => {
    const other = join(otherDir, "catboost-1.2.5");
    expect(findCatboost({ catboostBin: other, path: binDir })).toBe(other);
    expect(findCatboost({ catboostBin: "catboost-1.2.5", path: [binDir, otherDir].join(delimiter) })).toBe(
      other,
    );
    expect(findCatboost({ catboostBin: "  ", path: binDir })).toBe(join(binDir, "catboost"));
  });

  it("gives undefined (and says why) for a CATBOOST_BIN that is not executable, without falling back to PATH", () => {
    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(message);
    expect(
      findCatboost({ catboostBin: join(notExecDir, "catboost"), path: binDir, onWarning }),
    ).toBeUndefined();
    expect(
      findCatboost({ catboostBin: join(root, "nope", "catboost"), path: binDir, onWarning }),
    ).toBeUndefined();
    expect(findCatboost({ catboostBin: "no-such-catboost", path: binDir, onWarning })).toBeUndefined();
    expect(warnings).toEqual([
      `CATBOOST_BIN=${join(notExecDir, "catboost")} is not an executable file`,
      `CATBOOST_BIN=${join(root, "nope", "catboost")} is not an executable file`,
      "CATBOOST_BIN=no-such-catboost was not found on PATH",
    ]);
  });
});

describe("catboost version", () => {
  it("runs `catboost --version` and reads the version", () => {
    expect(catboostVersion(join(binDir, "catboost"))).toBe("1.2.7");
    expect(catboostVersion(join(otherDir, "catboost-1.2.5"))).toBe("1.2.5");
    expect(catboostVersion(join(root, "missing", "catboost"))).toBeUndefined();
  });

  it("parses the forms the build info takes", () => {
    expect(parseVersionOutput("Git info:\n    Commit: abc\n    Branch: refs/tags/v1.2.10\n")).toBe("1.2.10");
    expect(parseVersionOutput("catboost-1.2.3")).toBe("1.2.3");
    expect(parseVersionOutput("Version: 1.2\n")).toBe("1.2");
    expect(parseVersionOutput("Git info:\n    Commit: 0123456789abcdef0123456789abcdef01234567\n")).toBe(
      "git 0123456789ab",
    );
    expect(parseVersionOutput("nothing here")).toBeUndefined();
  });
});
