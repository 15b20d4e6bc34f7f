export { bulkLoad, escapeLoadDataValue, type SqlValue } from "./bulk-load.ts";
export {
  ensureDatabase,
  type FeatureStore,
  type FeatureStoreAddress,
  isTransientConnectionError,
  type OpenFeatureStoreOptions,
  openFeatureStore,
  poolOptionsFromUrl,
} from "./connection.ts";
export { type ExtractOptions, type ExtractResult, runExtract } from "./extract.ts";
export { assertSchema, createSchema, dropSchema, splitSqlStatements } from "./schema.ts";
export { type SeedOptions, type SeedResult, type SeedSource, seedFeatureStore } from "./seed.ts";
export {
  countSnapshotRows,
  type ReadSnapshotOptions,
  readSnapshot,
  type Snapshot,
  type SnapshotColumn,
} from "./snapshot.ts";
export {
  generateSyntheticRows,
  SYNTHETIC_CLASSES,
  type SyntheticOptions,
  type SyntheticRow,
} from "./synthetic.ts";
export * from "./tables.ts";
