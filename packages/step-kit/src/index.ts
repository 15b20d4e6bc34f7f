export * from "./atomic.ts";
export * from "./cli.ts";
export * from "./errors.ts";
export * from "./log.ts";
export * from "./process-context.ts";
export * from "./progress.ts";
export * from "./retry.ts";
export * from "./validation.ts";
