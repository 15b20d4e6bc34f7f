import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataContractError } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PoolFormatError } from "./errors.ts";
import { columnDescription, formatNumeric, formatStringField, poolColumns, writePool } from "./pool.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-catboost-pool-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** CatBoost's field splitter for pools with cat/text columns (library/cpp/string_utils/csv CsvSplitter, quote "). */
function csvSplit(line: string): string[] {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    let value = "";
    if (line[pos] === '"') {
      pos += 1;
      for (;;) {
        if (pos >= line.length) throw new Error("unterminated quote");
        if (line[pos] === '"') {
          if (line[pos + 1] === '"') {
            value += '"';
            pos += 2;
            continue;
          }
          if (pos + 1 !== line.length && line[pos + 1] !== "\t")
            throw new Error("quote not followed by delimiter");
          pos += 1;
          break;
        }
        value += line[pos++];
      }
    } else {
      while (pos < line.length && line[pos] !== "\t") {
        if (line[pos] === '"') throw new Error("quote inside an unquoted field");
        value += line[pos++];
      }
    }
    fields.push(value);
    if (pos >= line.length) return fields;
    pos += 1;
  }
}

const sample = {
  numeric: {
    age: Float64Array.from([23, Number.NaN, -0, 1e-7]),
    annual_income: Float64Array.from([19114.12, 0.5, -3.25, 123456789]),
  },
  categorical: {
    occupation: ["Scientist", "", "Tab\there", 'say "hi"'],
    credit_mix: ["Good", "_", "Bad", "Standard"],
  },
  text: {
    type_of_loan: ["Auto Loan, Credit-Builder Loan", "line one\nline two", "crlf\r\nend", ""],
  },
  labels: ["Good", "Poor", "Standard", "Good"],
};

describe("column description", () => {
  it("lists the label then every numeric, categorical and text column with its name (§7.2)", () => {
    const cd = columnDescription(
      {
        numeric: ["age", "annual_income"],
        categorical: ["occupation", "credit_mix"],
        text: ["type_of_loan"],
        label: "label",
      },
      true,
    );
    expect(cd).toBe(
      "0\tLabel\n1\tNum\tage\n2\tNum\tannual_income\n3\tCateg\toccupation\n4\tCateg\tcredit_mix\n5\tText\ttype_of_loan\n",
    );
    expect(columnDescription({ numeric: ["x"], categorical: [], text: ["t"], label: "" }, false)).toBe(
      "0\tNum\tx\n1\tText\tt\n",
    );
  });
});

describe("cell encoding", () => {
  it("writes NaN as CatBoost's missing value, -0 as 0 and numbers in round-trip form", () => {
    expect(formatNumeric(Number.NaN, "x", 0)).toBe("nan");
    expect(formatNumeric(-0, "x", 0)).toBe("0");
    expect(formatNumeric(1e-7, "x", 0)).toBe("1e-7");
    expect(formatNumeric(0.1 + 0.2, "x", 0)).toBe("0.30000000000000004");
    expect(Number(formatNumeric(19114.12, "x", 0))).toBe(19114.12);
    expect(() => formatNumeric(Number.POSITIVE_INFINITY, "income", 7)).toThrow(
      'numeric column "income" row 7 is Infinity; CatBoost pools take finite values or NaN',
    );
  });

  it("keeps rows one line and fields whole: line breaks → space, tabs and quotes → RFC 4180 quoting", () => {
    expect(formatStringField("plain text")).toBe("plain text");
    expect(formatStringField("")).toBe("");
    expect(formatStringField("a\nb")).toBe("a b");
    expect(formatStringField("a\r\nb\rc")).toBe("a b c");
    expect(formatStringField("a\tb")).toBe('"a\tb"');
    expect(formatStringField('say "hi"')).toBe('"say ""hi"""');
    expect(formatStringField('"')).toBe('""""');
    expect(formatStringField("new\nline\tand tab")).toBe('"new line\tand tab"');
    for (const value of ["a\tb", 'say "hi"', '"', '""x', "\t"])
      expect(csvSplit(formatStringField(value))).toEqual([value]);
  });
});

describe("writePool", () => {
  it("writes a header line, the label first, then numeric, categorical and text columns, and a matching cd file", async () => {
    const pool = await writePool(dir, "learn", sample, { labelName: "credit_score" });
    expect(pool.poolPath).toBe(join(dir, "learn.tsv"));
    expect(pool.cdPath).toBe(join(dir, "learn.cd"));
    expect(pool.rows).toBe(4);
    expect(pool.hasHeader).toBe(true);
    expect(pool.columns).toEqual({
      numeric: ["age", "annual_income"],
      categorical: ["occupation", "credit_mix"],
      text: ["type_of_loan"],
      label: "credit_score",
    });
    const text = await readFile(pool.poolPath, "utf8");
    expect(text).toBe(
      [
        "credit_score\tage\tannual_income\toccupation\tcredit_mix\ttype_of_loan",
        "Good\t23\t19114.12\tScientist\tGood\tAuto Loan, Credit-Builder Loan",
        "Poor\tnan\t0.5\t\t_\tline one line two",
        'Standard\t0\t-3.25\t"Tab\there"\tBad\tcrlf end',
        'Good\t1e-7\t123456789\t"say ""hi"""\tStandard\t',
        "",
      ].join("\n"),
    );
    expect(await readFile(pool.cdPath, "utf8")).toBe(
      "0\tLabel\n1\tNum\tage\n2\tNum\tannual_income\n3\tCateg\toccupation\n4\tCateg\tcredit_mix\n5\tText\ttype_of_loan\n",
    );
    // Read back the way CatBoost does: one line per row, every row as many fields as the cd has lines.
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(5);
    const rows = lines.slice(1).map(csvSplit);
    for (const row of rows) expect(row).toHaveLength(6);
    expect(rows.map((row) => row[3])).toEqual(["Scientist", "", "Tab\there", 'say "hi"']);
    expect(rows.map((row) => row[5])).toEqual([
      "Auto Loan, Credit-Builder Loan",
      "line one line two",
      "crlf end",
      "",
    ]);
  });

  it("writes a pool to score without a label column, and without a header on request", async () => {
    const { labels: _labels, ...features } = sample;
    const pool = await writePool(dir, "score", features, { header: false });
    expect(pool.hasLabel).toBe(false);
    expect(pool.hasHeader).toBe(false);
    const lines = (await readFile(pool.poolPath, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("23\t19114.12\tScientist\tGood\tAuto Loan, Credit-Builder Loan");
    expect(await readFile(pool.cdPath, "utf8")).toBe(
      "0\tNum\tage\n1\tNum\tannual_income\n2\tCateg\toccupation\n3\tCateg\tcredit_mix\n4\tText\ttype_of_loan\n",
    );
  });

  it("rejects what CatBoost cannot read back", async () => {
    const ragged = { ...sample, numeric: { age: Float64Array.from([1, 2]) } };
    await expect(writePool(dir, "bad", ragged)).rejects.toThrow('column "age" has 2 rows, expected 4');
    await expect(writePool(dir, "bad", { ...sample, labels: ["Good", "", "Poor", "Good"] })).rejects.toThrow(
      "label of row 1 is empty; CatBoost rejects empty labels",
    );
    await expect(writePool(dir, "bad", { ...sample, labels: ["Go\tod", "a", "b", "c"] })).rejects.toThrow(
      /contains a tab/,
    );
    await expect(
      writePool(dir, "bad", {
        ...sample,
        numeric: { ...sample.numeric, age: Float64Array.from([1, 2, Number.NEGATIVE_INFINITY, 4]) },
      }),
    ).rejects.toThrow(/-Infinity/);
    await expect(
      writePool(dir, "bad", { ...sample, text: { "bad\tname": ["a", "b", "c", "d"] } }),
    ).rejects.toThrow(/column name "bad\\tname"/);
    const error = await writePool(dir, "bad", { ...sample, text: { age: ["a", "b", "c", "d"] } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PoolFormatError);
    expect(error).toBeInstanceOf(DataContractError);
    expect((error as Error).message).toBe('column "age" appears twice in the pool');
    expect(() => poolColumns({ numeric: {}, categorical: {}, text: {} })).toThrow(
      /at least one feature column/,
    );
    expect(() =>
      poolColumns({ numeric: { label: Float64Array.from([1]) }, categorical: {}, text: {}, labels: ["a"] }),
    ).toThrow(/"label" appears twice/);
  });
});
