export { buildRunnerCli } from "./build-cli.ts";
export { runnerCommands } from "./commands.ts";
export { createFakeRepository, FAKE_STEPS, FAKE_VERSION, fakeStepSource } from "./fake-repository.ts";
