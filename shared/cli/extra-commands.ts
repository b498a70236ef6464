/** Commands that live beside `plan`: the device commands (simulate, observe, apply). */
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";
import { registerDeviceCommands } from "./device-commands.js";

export async function registerExtraCommands(program: Command, ctx: CliContext): Promise<void> {
  registerDeviceCommands(program, ctx);
}
