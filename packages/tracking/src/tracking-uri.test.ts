import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "@ct/step-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTracking } from "./open-tracking.ts";
import { parseTrackingUri, redactUri } from "./tracking-uri.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ct-tracking-uri-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("parseTrackingUri", () => {
  it("defaults to <cwd>/mlruns and resolves directories and file:// URIs", () => {
    expect(parseTrackingUri(undefined, "/work")).toEqual({ kind: "file", rootDir: "/work/mlruns" });
    expect(parseTrackingUri("", "/work")).toEqual({ kind: "file", rootDir: "/work/mlruns" });
    expect(parseTrackingUri("runs/ml", "/work")).toEqual({ kind: "file", rootDir: "/work/runs/ml" });
    expect(parseTrackingUri("/abs/mlruns", "/work")).toEqual({ kind: "file", rootDir: "/abs/mlruns" });
    expect(parseTrackingUri("file:///abs/my%20runs", "/work")).toEqual({
      kind: "file",
      rootDir: "/abs/my runs",
    });
    expect(parseTrackingUri("file:rel", "/work")).toEqual({ kind: "file", rootDir: "/work/rel" });
  });

  it("takes http(s) URLs for REST and moves credentials out", () => {
    expect(parseTrackingUri("https://u:p%3Aw@mlflow.example.com/prefix/", "/")).toEqual({
      kind: "rest",
      baseUrl: "https://mlflow.example.com/prefix",
      username: "u",
      password: "p:w",
    });
  });

  it("refuses other schemes with a UsageError", () => {
    for (const uri of ["sqlite:///mlflow.db", "postgresql://u:secret@db/mlflow", "databricks"]) {
      const error = (() => {
        try {
          parseTrackingUri(uri, "/");
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect(error?.message).toMatch(/unsupported tracking URI/);
      expect(error?.message).not.toContain("secret");
    }
  });

  it("redacts credentials", () => {
    expect(redactUri("http://alice:pw@host:5000/x")).toBe("http://***@host:5000/x");
    expect(redactUri("http://host:5000")).toBe("http://host:5000");
  });
});

describe("openTracking", () => {
  it("opens a FileStore for a directory or file:// URI and a RestStore for http(s)", async () => {
    const file = await openTracking({ cwd: dir });
    expect(file.backend).toBe("file");
    expect(file.displayUri).toBe(pathToFileURL(join(dir, "mlruns")).href);
    const viaUri = await openTracking({ cwd: "/", trackingUri: pathToFileURL(join(dir, "other")).href });
    expect(viaUri.displayUri).toBe(pathToFileURL(join(dir, "other")).href);
    const rest = await openTracking({ cwd: dir, trackingUri: "http://127.0.0.1:5000/", token: "t" });
    expect(rest.backend).toBe("rest");
    expect(rest.displayUri).toBe("http://127.0.0.1:5000");
  });
});
