/**
 * Commands beside `plan`: the device commands (simulate, observe, apply), the apply history
 * and drift checks. They pull in the Azure SDKs and the simulator, so they are loaded only
 * when the command line may need them: `plan` starts in a fraction of the time.
 */
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";

export async function registerExtraCommands(program: Command, ctx: CliContext): Promise<void> {
  const [{ registerDeviceCommands }, { registerHistoryCommand }, { registerDriftCommand }] = await Promise.all([
    import("./device-commands.js"),
    import("./history-command.js"),
    import("./drift-command.js"),
  ]);
  registerDeviceCommands(program, ctx);
  registerHistoryCommand(program, ctx);
  registerDriftCommand(program, ctx);
}
