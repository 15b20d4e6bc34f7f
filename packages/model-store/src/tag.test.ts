import { describe, expect, it } from "vitest";
import { ModelStoreValidationError } from "./errors.ts";
import {
  base32Lower,
  generateVersion,
  parseTag,
  TAG_PATTERN,
  tagProblem,
  validateModelName,
  validateVersion,
} from "./tag.ts";

describe("validateModelName", () => {
  it.each([
    "credit_score_classification",
    "a",
    "9",
    "churn-catboost",
    "model.v2",
    "a".repeat(63),
  ])("accepts %s", (name) => {
    expect(validateModelName(name)).toBe(name);
  });

  it.each([
    ["Churn", "upper-case"],
    ["a".repeat(64), "64 characters long (at most 63)"],
    ["", "empty"],
    ["../x", '"/"'],
    ["a/b", '"/"'],
    ["..", "start and end with a letter or digit"],
    ["-a", "start and end with a letter or digit"],
    ["a.", "start and end with a letter or digit"],
    ["_a", "start and end with a letter or digit"],
    ["a b", '" "'],
    ["a:b", '":"'],
    ["a\\b", '"\\\\"'],
    ["mödel", '"ö"'],
  ])("rejects %j, naming the value and the rule", (name, why) => {
    let error: unknown;
    try {
      validateModelName(name);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelStoreValidationError);
    const message = (error as Error).message;
    expect(message).toContain(JSON.stringify(name));
    expect(message).toContain(why);
    expect(message).toContain("BentoML tags are 1-63 characters of lowercase letters");
  });

  it("agrees with BentoML's regex on every single character", () => {
    for (let code = 0x20; code < 0x7f; code++) {
      const char = String.fromCharCode(code);
      expect(tagProblem(char) === undefined, char).toBe(TAG_PATTERN.test(char));
    }
  });
});

describe("validateVersion", () => {
  it("applies the tag rules and reserves 'latest'", () => {
    expect(validateVersion("ovzcytxhbga7qax4")).toBe("ovzcytxhbga7qax4");
    expect(validateVersion("2025-02-14.1")).toBe("2025-02-14.1");
    expect(() => validateVersion("latest")).toThrow(/reserved/);
    expect(() => validateVersion("V1")).toThrow(/invalid model version "V1": it contains upper-case/);
    expect(() => validateVersion("../v1")).toThrow(ModelStoreValidationError);
  });
});

describe("parseTag", () => {
  it("reads name, name:latest and name:version", () => {
    expect(parseTag("churn")).toEqual({ name: "churn", version: undefined });
    expect(parseTag("churn:latest")).toEqual({ name: "churn", version: undefined });
    expect(parseTag("churn:abc123")).toEqual({ name: "churn", version: "abc123" });
  });

  it("rejects a trailing ':' and bad parts", () => {
    expect(() => parseTag("churn:")).toThrow(/did you mean "churn:latest"/);
    expect(() => parseTag("Churn:v1")).toThrow(/invalid model name "Churn"/);
    expect(() => parseTag("churn:a:b")).toThrow(/invalid model version "a:b"/);
  });
});

describe("generateVersion", () => {
  it("is BentoML's base32(uuid1 bytes[:6] + bytes[8:12]), checked against Python's uuid/base64", () => {
    // Python: uuid.UUID(fields=(ticks & 0xffffffff, ...)) for the same time/clock_seq/node, then
    // base64.b32encode(b[:6] + b[8:12]).lower()
    const version = generateVersion({
      now: () => new Date("2025-11-20T10:00:00.123Z"),
      randomBytes: () => Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]),
    });
    expect(version).toBe("vuusnzgf66lhrg54");
  });

  it("makes valid, distinct 16-character versions", () => {
    const versions = new Set(Array.from({ length: 200 }, () => generateVersion()));
    expect(versions.size).toBe(200);
    for (const version of versions) {
      expect(version).toMatch(/^[a-z2-7]{16}$/);
      expect(validateVersion(version)).toBe(version);
    }
  });

  it("base32Lower matches Python's base64.b32encode (padding dropped)", () => {
    expect(base32Lower(new TextEncoder().encode("hello world!"))).toBe("nbswy3dpeb3w64tmmqqq");
  });
});
