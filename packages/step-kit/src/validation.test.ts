import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "./errors.ts";
import { addDays, isValidTimeZone, parseBaseDt, parseModelName, todayIn } from "./validation.ts";

describe("parseBaseDt", () => {
  it.each(["2025-02-10", "2024-02-29", "2000-12-31"])("accepts the real date %s", (value) => {
    expect(parseBaseDt(value)).toBe(value);
  });

  it.each([
    "2025-02-30",
    "2023-02-29",
    "2025-13-01",
    "2025-00-10",
    "2025-2-10",
    "20250210",
    "",
    "2025-02-10 00:00",
    "../etc",
    "2025-02-10' OR '1'='1",
    "2025-02-10;DROP TABLE x",
  ])("rejects %j with a usage error naming it", (value) => {
    expect(() => parseBaseDt(value)).toThrow(UsageError);
    expect(() => parseBaseDt(value)).toThrow(
      `invalid base_dt ${JSON.stringify(value)}: expected a real calendar date written YYYY-MM-DD`,
    );
  });
});

describe("parseModelName", () => {
  it.each(["credit_score_classification", "m", "model-2.v1", "a".repeat(63)])("accepts %s", (value) => {
    expect(parseModelName(value)).toBe(value);
  });

  it.each([
    "",
    "../etc",
    "..",
    ".hidden",
    "a/b",
    "a\\b",
    "UPPER",
    "x'; DROP TABLE t; --",
    "a b",
    "a".repeat(64),
    "名前",
    "-lead",
    "trail_",
    "trail.",
  ])("rejects %j", (value) => {
    const attempt = () => parseModelName(value);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(`invalid model_name ${JSON.stringify(value)}`);
    try {
      attempt();
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    }
  });
});

describe("todayIn", () => {
  it("uses the given time zone, not the machine's", () => {
    // 2025-02-10 16:30 UTC is already 2025-02-11 in Seoul (UTC+9) but still the 10th in New York.
    const instant = new Date("2025-02-10T16:30:00Z");
    expect(todayIn("Asia/Seoul", instant)).toBe("2025-02-11");
    expect(todayIn("America/New_York", instant)).toBe("2025-02-10");
    expect(todayIn("UTC", instant)).toBe("2025-02-10");
  });

  it("knows valid zones", () => {
    expect(isValidTimeZone("Asia/Seoul")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("addDays", () => {
  it("crosses months and leap days", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-03-01", -1)).toBe("2025-02-28");
    expect(addDays("2025-02-10", -7)).toBe("2025-02-03");
  });
});
