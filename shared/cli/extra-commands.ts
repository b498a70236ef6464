/** Commands that live beside `plan` (device and controller commands register here). */
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";

export async function registerExtraCommands(_program: Command, _ctx: CliContext): Promise<void> {}
