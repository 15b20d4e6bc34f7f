import { describe, expect, it } from "vitest";
import { classificationReport } from "./metrics.ts";
import { confusionMatrixSvg, trainingReportMarkdown } from "./report.ts";

const report = classificationReport(["Good", "Poor\r", "Good"], ["Good", "Good", "Good"], ["Good", "Poor\r"]);

describe("report", () => {
  it("draws the confusion matrix as SVG with counts and escaped labels", () => {
    const svg = confusionMatrixSvg(report, "m <2025-02-10>");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("m &#60;2025-02-10&#62;");
    expect(svg).toContain("Poor\\r");
    expect(svg.match(/<rect [^>]*stroke/g)).toHaveLength(4);
    expect(svg).toContain(">2</text>");
    expect(svg).toContain("accuracy 0.6667 on 3 validation rows");
  });

  it("writes a Markdown summary with per-class metrics and the gate decision", () => {
    const markdown = trainingReportMarkdown({
      modelName: "credit_score_classification",
      baseDt: "2025-02-10",
      engine: "ct-gbdt 2",
      experimentName: "training-2025-02-10-010203",
      bestRunName: "Run 4",
      bestParams: { depth: 8 },
      bestIteration: 12,
      configurations: 27,
      seconds: 3.2,
      validation: report,
      gate: { decision: "promoted to latest", reason: "policy always" },
      dataHash: "sha256:abc",
    });
    expect(markdown).toContain("# credit\\_score\\_classification — training on 2025-02-10");
    expect(markdown).toContain("| Good | 0.6667 | 1.0000 | 0.8000 | 2 |");
    expect(markdown).toContain("| Poor\\\\r | 1.0000 | 0.0000 | 0.0000 | 1 |");
    expect(markdown).toContain("promotion: promoted to latest — policy always");
  });
});
