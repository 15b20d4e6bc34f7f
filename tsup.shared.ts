import type { Options } from "tsup";
import { gbdtBuildDefines } from "./packages/gbdt/src/build-defines.ts";

/**
 * Every deliverable (a step CLI, the umbrella `ct`) is one self-contained ESM file: workspace
 * packages and third-party dependencies are bundled, so a container image needs only `dist/`.
 * CommonJS dependencies (mysql2, …) call `require` for Node built-ins; the banner gives them one.
 */
export function binConfig(entry: Record<string, string>): Options {
  return {
    entry,
    format: ["esm"],
    platform: "node",
    target: "node20",
    bundle: true,
    // Everything is bundled except optional native add-ons (`*.node`, cpu-features) that
    // dockerode's ssh transport (ssh2) requires inside try/catch: they are never built here
    // (pnpm-workspace.yaml), so those requires stay in the bundle and fail harmlessly at run time.
    noExternal: [/^(?!cpu-features$)(?!.*\.node$)/],
    external: ["cpu-features", /\.node$/],
    splitting: false,
    sourcemap: true,
    clean: true,
    // `__dirname`/`__filename` for CommonJS dependencies that read them at load time (ssh2,
    // through dockerode); injected only into bundles that reference them.
    shims: true,
    loader: { ".sql": "text" },
    // The gbdt engine's wasm module, written at build time (packages/gbdt/src/build-defines.ts).
    define: gbdtBuildDefines(),
    banner: {
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __ctCreateRequire } from "node:module";',
        "const require = __ctCreateRequire(import.meta.url);",
      ].join("\n"),
    },
  };
}
