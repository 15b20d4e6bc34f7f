import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";
import { binConfig } from "../../../tsup.shared.ts";

/** Bundles test-support/cli.ts the way ct's bins are bundled, in a new temporary folder. */
export async function buildRunnerCli(): Promise<{ path: string; remove: () => Promise<void> }> {
  const outDir = await mkdtemp(join(tmpdir(), "ct-runner-cli-"));
  await build({
    ...binConfig({ cli: fileURLToPath(new URL("./cli.ts", import.meta.url)) }),
    outDir,
    sourcemap: false,
    silent: true,
    config: false,
  });
  return { path: join(outDir, "cli.js"), remove: () => rm(outDir, { recursive: true, force: true }) };
}
