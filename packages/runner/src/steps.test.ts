import { UsageError } from "@ct/step-kit";
import { describe, expect, it } from "vitest";
import { chooseNetwork, isLoopbackHost } from "./network.ts";
import { formatDuration } from "./pipeline.ts";
import { parseStepList } from "./steps.ts";

describe("parseStepList", () => {
  it("keeps pipeline order whatever the listed order", () => {
    expect(parseStepList("extract,preprocess,train")).toEqual(["extract", "preprocess", "train"]);
    expect(parseStepList("train, extract")).toEqual(["extract", "train"]);
    expect(parseStepList("preprocess")).toEqual(["preprocess"]);
  });

  it.each([
    ["", /name at least one/],
    [" , ", /name at least one/],
    ["extract,deploy", /unknown step "deploy"/],
    ["train,train", /train is listed twice/],
  ])("rejects %j", (text, message) => {
    expect(() => parseStepList(text)).toThrow(UsageError);
    expect(() => parseStepList(text)).toThrow(message);
  });
});

describe("chooseNetwork", () => {
  const base = { composeNetwork: "ct_default", composeNetworkExists: true };
  it("uses --network as given", () => {
    expect(chooseNetwork({ ...base, requested: "mynet", urls: ["mysql://u@127.0.0.1/db"] }).network).toBe(
      "mynet",
    );
  });
  it("uses the host network for a feature store on this machine's loopback", () => {
    const choice = chooseNetwork({ ...base, urls: ["mysql://u:pw@localhost:3306/db"] });
    expect(choice.network).toBe("host");
    expect(choice.reason).toContain("localhost is this machine");
    expect(chooseNetwork({ ...base, urls: ["mysql://u@h/db", "http://127.0.0.1:5000"] }).network).toBe(
      "host",
    );
  });
  it("uses the compose network when it exists, else the default bridge", () => {
    expect(chooseNetwork({ ...base, urls: ["mysql://ct@feature-store:3306/mlops"] }).network).toBe(
      "ct_default",
    );
    expect(
      chooseNetwork({ ...base, composeNetworkExists: false, urls: ["mysql://ct@db.internal/mlops"] }).network,
    ).toBe("bridge");
  });
  it("recognizes loopback hosts", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "db.localhost"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ["feature-store", "10.0.0.1", "128.0.0.1", "localhost.example.com"]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});

describe("formatDuration", () => {
  it("prints seconds, minutes and hours", () => {
    expect(formatDuration(3240)).toBe("3.2s");
    expect(formatDuration(125_000)).toBe("2m05s");
    expect(formatDuration(3_720_000)).toBe("1h02m");
  });
});
