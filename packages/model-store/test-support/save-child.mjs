// A child process for the crash tests: saves one model into the store and, at the SaveStep named
// on the command line, prints "PAUSED <step> <path>" and hangs until the parent SIGKILLs it.
// Usage: node save-child.mjs <storeRoot> <version> <pauseStep|none> [fileCount]
// Node 20 cannot import TypeScript, so the package source is loaded through Vite's SSR loader.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";

const [storeRoot, version, pauseAt = "none", fileCount = "3"] = process.argv.slice(2);
if (!storeRoot || !version) {
  process.stderr.write("usage: save-child.mjs <storeRoot> <version> <pauseStep|none> [fileCount]\n");
  process.exit(2);
}
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

const server = await createServer({
  configFile: false,
  root: packageDir,
  logLevel: "silent",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { saveModel } = await server.ssrLoadModule(join(packageDir, "src/index.ts"));

const files = {};
for (let index = 0; index < Number(fileCount); index++) {
  // 1 MiB each, so a kill between files leaves real data half-way through the version.
  files[`part-${index}.bin`] = new Uint8Array(1024 * 1024).fill(index + 1);
}

let fileWrites = 0;
const pause = async (step, path) => {
  process.stdout.write(`PAUSED ${step} ${path}\n`);
  setInterval(() => {}, 1000);
  await new Promise(() => {});
};

await saveModel(
  storeRoot,
  {
    name: "crash-model",
    version,
    module: "ct.gbdt",
    metadata: { writer: "child" },
    context: { frameworkName: "ct-gbdt", frameworkVersions: { "ct-gbdt": "0.1.0" } },
    files,
  },
  {
    onStep: async (step, path) => {
      // "file-written" pauses after the first file, with the others still to come.
      if (step === "file-written") fileWrites++;
      if (step === pauseAt && (step !== "file-written" || fileWrites === 1)) await pause(step, path);
    },
  },
);
process.stdout.write("DONE\n");
await server.close();
