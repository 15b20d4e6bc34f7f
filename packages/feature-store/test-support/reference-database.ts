import { createReadStream } from "node:fs";
import { referenceFixture } from "@ct/fixtures";
import type { Pool } from "mysql2/promise";
import { createSchema } from "../src/schema.ts";

/**
 * Loads the reference fixture's CSVs exactly as the reference pipeline's database was loaded:
 * `LOAD DATA … FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\n'`.
 * The files have CRLF line ends, so the last column of every row keeps a trailing CR: labels
 * read `Poor\r`, and a last-column `\N` is not NULL but `\N\r`, which a FLOAT column stores as 0.
 * The recorded expected outputs come from that database, so parity tests start from it.
 * (`ct seed --csv_dir` parses the same files properly: clean labels and NULLs.)
 */
export async function loadReferenceDatabase(pool: Pool): Promise<void> {
  await createSchema(pool);
  const files = {
    customer_info: referenceFixture.sourceCsv.customerInfo,
    credit_score: referenceFixture.sourceCsv.creditScore,
    credit_score_features: referenceFixture.sourceCsv.creditScoreFeatures,
  };
  for (const [table, path] of Object.entries(files)) {
    await pool.query({
      sql: `LOAD DATA LOCAL INFILE 'reference.csv' INTO TABLE ${pool.escapeId(table)} CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\n' IGNORE 1 LINES`,
      infileStreamFactory: () => createReadStream(path),
    });
  }
}
