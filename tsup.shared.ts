import type { Options } from "tsup";

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
    noExternal: [/.*/],
    splitting: false,
    sourcemap: true,
    clean: true,
    shims: false,
    loader: { ".sql": "text" },
    banner: {
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __ctCreateRequire } from "node:module";',
        "const require = __ctCreateRequire(import.meta.url);",
      ].join("\n"),
    },
  };
}
