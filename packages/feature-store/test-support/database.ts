import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";

/** Server used by integration tests; CT_TEST_MYSQL_URL overrides (no database part). */
export const testServerUrl = process.env.CT_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

export interface TestDatabase {
  /** Feature-store URL of the fresh database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name for one test file. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `ct_test_${prefix.replace(/[^a-z0-9_]/gi, "_")}_${randomBytes(3).toString("hex")}`;
  const server = new URL(testServerUrl);
  const admin = await mysql.createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username) || "root",
    password: decodeURIComponent(server.password),
  });
  await admin.query(`CREATE DATABASE ${admin.escapeId(name)} DEFAULT CHARSET utf8mb4`);
  await admin.end();
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const connection = await mysql.createConnection({
        host: server.hostname,
        port: Number(server.port || 3306),
        user: decodeURIComponent(server.username) || "root",
        password: decodeURIComponent(server.password),
      });
      await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
      await connection.end();
    },
  };
}
