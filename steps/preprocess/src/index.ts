export { preprocessCommand } from "./command.ts";
