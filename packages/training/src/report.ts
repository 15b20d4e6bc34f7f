import type { ClassificationReport } from "./metrics.ts";

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

const escapeMarkdown = (text: string): string => text.replace(/[|\\`*_[\]<>]/g, (char) => `\\${char}`);

const showLabel = (label: string): string => JSON.stringify(label).slice(1, -1);

/**
 * The confusion matrix (rows = actual, columns = predicted, cell shade = share of the actual
 * class) with per-class precision, recall and F1 beside it, as a standalone SVG.
 */
export function confusionMatrixSvg(report: ClassificationReport, title: string): string {
  const cell = 64;
  const labelWidth = 120;
  const top = 70;
  const n = report.classes.length;
  const metricsLeft = labelWidth + n * cell + 24;
  const width = metricsLeft + 230;
  const height = top + n * cell + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${labelWidth + (n * cell) / 2}" y="${top - 24}" text-anchor="middle">predicted</text>`,
    `<text x="16" y="${top + (n * cell) / 2}" transform="rotate(-90 16 ${top + (n * cell) / 2})" text-anchor="middle">actual</text>`,
  ];
  report.classes.forEach((label, k) => {
    const shown = escapeXml(showLabel(label));
    parts.push(
      `<text x="${labelWidth + k * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${shown}</text>`,
      `<text x="${labelWidth - 8}" y="${top + k * cell + cell / 2 + 4}" text-anchor="end">${shown}</text>`,
    );
  });
  report.matrix.forEach((row, actual) => {
    const support = row.reduce((sum, count) => sum + count, 0) || 1;
    row.forEach((count, predicted) => {
      const share = count / support;
      const light = Math.round(255 - share * 180);
      const x = labelWidth + predicted * cell;
      const y = top + actual * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${light},${light},255)" stroke="#888"/>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 5}" text-anchor="middle" fill="${share > 0.6 ? "#fff" : "#000"}">${count}</text>`,
      );
    });
  });
  parts.push(
    `<text x="${metricsLeft}" y="${top - 6}" font-weight="bold">precision  recall  F1  support</text>`,
  );
  report.perClass.forEach((entry, k) => {
    parts.push(
      `<text x="${metricsLeft}" y="${top + k * cell + cell / 2 + 4}">${entry.precision.toFixed(3)}  ${entry.recall.toFixed(3)}  ${entry.f1.toFixed(3)}  ${entry.support}</text>`,
    );
  });
  parts.push(
    `<text x="12" y="${height - 20}">accuracy ${report.accuracy.toFixed(4)} on ${report.rows} validation rows</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

export interface TrainingReportInput {
  readonly modelName: string;
  readonly baseDt: string;
  readonly engine: string;
  readonly experimentName: string;
  readonly bestRunName: string;
  readonly bestParams: Readonly<Record<string, unknown>>;
  readonly bestIteration: number;
  readonly configurations: number;
  readonly seconds: number;
  readonly validation: ClassificationReport;
  readonly gate: { readonly decision: string; readonly reason: string };
  readonly dataHash: string;
}

/** A short Markdown report of a training run, logged with the best run and stored with the model. */
export function trainingReportMarkdown(input: TrainingReportInput): string {
  const { validation } = input;
  const lines = [
    `# ${escapeMarkdown(input.modelName)} — training on ${input.baseDt}`,
    "",
    `- engine: ${escapeMarkdown(input.engine)}`,
    `- experiment: ${escapeMarkdown(input.experimentName)}, best run: ${escapeMarkdown(input.bestRunName)} of ${input.configurations}`,
    `- best params: ${escapeMarkdown(JSON.stringify(input.bestParams))}, best iteration ${input.bestIteration}`,
    `- validation accuracy: ${validation.accuracy.toFixed(4)} (${validation.rows} rows)`,
    `- promotion: ${escapeMarkdown(input.gate.decision)} — ${escapeMarkdown(input.gate.reason)}`,
    `- training data: ${input.dataHash}`,
    `- wall time: ${input.seconds.toFixed(1)} s`,
    "",
    "## Per class (validation)",
    "",
    "| class | precision | recall | F1 | support |",
    "|---|---:|---:|---:|---:|",
    ...validation.perClass.map(
      (entry) =>
        `| ${escapeMarkdown(showLabel(entry.label))} | ${entry.precision.toFixed(4)} | ${entry.recall.toFixed(4)} | ${entry.f1.toFixed(4)} | ${entry.support} |`,
    ),
    "",
    "## Confusion matrix (rows actual, columns predicted)",
    "",
    `| | ${validation.classes.map((label) => escapeMarkdown(showLabel(label))).join(" | ")} |`,
    `|---|${validation.classes.map(() => "---:").join("|")}|`,
    ...validation.matrix.map(
      (row, k) => `| ${escapeMarkdown(showLabel(validation.classes[k] as string))} | ${row.join(" | ")} |`,
    ),
    "",
    "![confusion matrix](confusion_matrix.svg)",
    "",
  ];
  return lines.join("\n");
}
