import { defineConfig } from "tsup";
import { binConfig } from "../../tsup.shared.ts";

export default defineConfig(binConfig({ bin: "src/bin.ts" }));
