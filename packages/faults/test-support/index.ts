export * from "./bins.ts";
export * from "./csv.ts";
export * from "./database.ts";
export * from "./files.ts";
export * from "./proxy.ts";
