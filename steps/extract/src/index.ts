export { extractCommand } from "./command.ts";
