export { demoCommand } from "./commands/demo.ts";
export { DEFAULT_SYNTHETIC, seedCommand, seedWithSettings, withSeedOptions } from "./commands/seed.ts";
export { CT_COMMANDS, CT_EPILOGUE } from "./commands.ts";
