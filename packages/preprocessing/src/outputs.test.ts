import { describe, expect, it } from "vitest";
import { csvField } from "./outputs.ts";

describe("csvField", () => {
  it("quotes only fields with a comma, quote or line break", () => {
    expect(csvField("Personal Loan")).toBe("Personal Loan");
    expect(csvField("Auto Loan, and Payday Loan")).toBe('"Auto Loan, and Payday Loan"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("Poor\r")).toBe('"Poor\r"');
    expect(csvField("")).toBe("");
  });
});
