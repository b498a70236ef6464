/** Commands that live beside `plan`: the device commands (simulate, observe, apply) and the apply history. */
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";
import { registerDeviceCommands } from "./device-commands.js";
import { registerDriftCommand } from "./drift-command.js";
import { registerHistoryCommand } from "./history-command.js";

export async function registerExtraCommands(program: Command, ctx: CliContext): Promise<void> {
  registerDeviceCommands(program, ctx);
  registerHistoryCommand(program, ctx);
  registerDriftCommand(program, ctx);
}
