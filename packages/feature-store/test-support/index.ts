export * from "./database.ts";
export * from "./reference-database.ts";
