import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelStoreValidationError } from "./errors.ts";
import { checkModelFiles, validateFilePath } from "./files.ts";

describe("validateFilePath", () => {
  it.each([
    "saved_model.cbm",
    "encoders/robust_scaler.json",
    "a/b/c.txt",
    ".hidden",
    "x..y",
    "sub/model.yaml",
  ])("accepts %s", (path) => {
    expect(validateFilePath(path)).toBe(path);
  });

  it.each([
    ["../x", "'.' and '..' segments"],
    ["a/../../x", "'.' and '..' segments"],
    ["./a", "'.' and '..' segments"],
    ["/etc/passwd", "relative"],
    ["C:/x", "relative"],
    ["a\\b", "backslashes"],
    ["..\\x", "backslashes"],
    ["a//b", "empty segment"],
    ["a/", "empty segment"],
    ["", "empty"],
    ["a\0b", "NUL"],
    ["model.yaml", "reserved"],
    ["custom_objects.pkl", "cloudpickle"],
  ])("rejects %j (%s)", (path, rule) => {
    expect(() => validateFilePath(path)).toThrow(ModelStoreValidationError);
    expect(() => validateFilePath(path)).toThrow(`invalid model file path ${JSON.stringify(path)}`);
    expect(() => validateFilePath(path)).toThrow(rule);
  });
});

describe("checkModelFiles", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ct-model-files-"));
    await writeFile(join(dir, "src.bin"), "x");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("sorts entries and accepts bytes, text and existing files", async () => {
    const entries = await checkModelFiles({
      "b.txt": "text",
      "a.bin": new Uint8Array([1]),
      "c/d": { file: join(dir, "src.bin") },
    });
    expect(entries.map((entry) => entry.path)).toEqual(["a.bin", "b.txt", "c/d"]);
  });

  it("rejects a path used as both file and folder, missing sources and bad contents", async () => {
    await expect(checkModelFiles({ a: "x", "a/b": "y" })).rejects.toThrow(
      /"a" would be both a file and a folder/,
    );
    await expect(checkModelFiles({ a: { file: join(dir, "nope") } })).rejects.toThrow(
      /not an existing regular file/,
    );
    await expect(checkModelFiles({ a: { file: dir } })).rejects.toThrow(/not an existing regular file/);
    await expect(checkModelFiles({ a: 5 as unknown as string })).rejects.toThrow(/content must be/);
  });
});
