/**
 * The `ase-gitops` command. Exit codes (contract.md §4): 0 all feasible, 2 infeasible or
 * invalid, 1 bad usage or an internal failure, with one line on stderr (a stack only with
 * --debug).
 */
import { Command, CommanderError } from "commander";
import { type CliContext, CliError, type CliIo, EXIT } from "./cli-context.js";
import { registerPlanCommand } from "./plan-command.js";
import { createLiveObserver } from "./device-commands.js";
import { registerExtraCommands } from "./extra-commands.js";

const defaultIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: Boolean(process.stdin.isTTY),
});

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT.ok, debug: argv.includes("--debug") };
  const program = new Command("ase-gitops")
    .description("GitOps for Azure Stack Edge Pro GPU fleets: GPU VMs and Kubernetes under the GPU claim rules")
    .option("--debug", "print stack traces of internal failures")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.enablePositionalOptions(false);
  registerPlanCommand(program, ctx, createLiveObserver());
  await registerExtraCommands(program, ctx);
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message; help and version exit 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.failure;
    }
    if (error instanceof CliError) {
      io.stderr.write(`ase-gitops: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`ase-gitops: internal error: ${message.split("\n")[0]}\n`);
    if (ctx.debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT.failure;
  }
}
