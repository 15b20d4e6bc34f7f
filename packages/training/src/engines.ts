import { UsageError } from "@ct/step-kit";
import { builtinEngine } from "./builtin-engine.ts";
import { catboostEngine } from "./catboost-engine.ts";
import type { Engine, EngineName } from "./engine.ts";

/** What an engine needs besides the data; plain data, so it crosses to worker threads. */
export interface EngineOptions {
  /** Absolute path of the catboost binary (required by the catboost engine). */
  readonly catboostBin?: string;
}

export const ENGINE_CHOICES = ["auto", "builtin", "catboost"] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** `auto` → catboost when its binary was found, else builtin; `catboost` without a binary is a UsageError. */
export function resolveEngine(choice: EngineChoice, catboostBin: string | undefined): EngineName {
  if (choice === "builtin") return "builtin";
  if (choice === "catboost") {
    if (!catboostBin)
      throw new UsageError(
        "--engine catboost needs the catboost binary: set CATBOOST_BIN or put `catboost` on PATH (or use --engine builtin)",
      );
    return "catboost";
  }
  return catboostBin ? "catboost" : "builtin";
}

export function engineByName(name: EngineName, options: EngineOptions): Engine {
  if (name === "builtin") return builtinEngine;
  if (!options.catboostBin)
    throw new UsageError("the catboost engine needs the catboost binary (CATBOOST_BIN)");
  return catboostEngine(options.catboostBin);
}
