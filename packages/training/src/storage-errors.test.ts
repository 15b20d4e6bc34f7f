import { CtError, UsageError } from "@ct/step-kit";
import { describe, expect, it } from "vitest";
import { storageFailure, writingTo } from "./storage-errors.ts";

function errno(code: string, path?: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: something, write`);
  error.code = code;
  if (path !== undefined) error.path = path;
  return error;
}

describe("storage errors", () => {
  it("reports a full disk in one line naming the place and the code, exit 1", () => {
    const failure = storageFailure(errno("ENOSPC", "/store/x"), "the model store /store");
    expect(failure).toBeInstanceOf(CtError);
    expect(failure?.exitCode).toBe(1);
    expect(failure?.message).toBe(
      "cannot write the model store /store (/store/x): no space left on device (ENOSPC)",
    );
    expect(failure?.message).not.toContain("\n");
  });

  it("leaves other errors alone", () => {
    expect(storageFailure(errno("ENOENT"), "x")).toBeUndefined();
    expect(storageFailure(new UsageError("bad"), "x")).toBeUndefined();
    expect(storageFailure("text", "x")).toBeUndefined();
  });

  it("writingTo maps what the work throws", async () => {
    await expect(writingTo("the scratch folder", () => Promise.reject(errno("EROFS")))).rejects.toThrow(
      "cannot write the scratch folder: read-only file system (EROFS)",
    );
    await expect(writingTo("x", () => Promise.resolve(3))).resolves.toBe(3);
  });
});
