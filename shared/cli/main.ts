/**
 * The `ase-gitops` command. Exit codes (contract.md §4): 0 all feasible, 2 infeasible or
 * invalid, 1 bad usage or an internal failure, with one line on stderr (a stack only with
 * --debug).
 */
import { Command, CommanderError } from "commander";
import { type CliContext, CliError, type CliIo, EXIT } from "./cli-context.js";
import { type LiveObserver, registerPlanCommand } from "./plan-command.js";
import { registerExtraCommands } from "./extra-commands.js";
import { registerValidateCommand } from "./validate-command.js";
import { packageVersion } from "./version.js";

const defaultIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTTY: Boolean(process.stdin.isTTY),
});

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT.ok, debug: argv.includes("--debug") };
  const program = new Command("ase-gitops")
    .description("GitOps for Azure Stack Edge Pro GPU fleets: GPU VMs and Kubernetes under the GPU claim rules")
    .version(packageVersion(), "-V, --version", "print the ase-gitops version")
    .option("--debug", "print stack traces of internal failures")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line per usage error, the suggestion included.
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, " ")}\n`),
    });
  program.enablePositionalOptions(false);
  registerPlanCommand(program, ctx, liveObserver, process.env);
  registerValidateCommand(program, ctx, process.env);
  // `plan` and `validate` need none of the device, GitHub or storage code: skip loading it.
  const command = argv.find((arg) => !arg.startsWith("-"));
  if (command !== "plan" && command !== "validate") await registerExtraCommands(program, ctx);
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

/** `plan --live` reads the devices; the device code is loaded only then. */
const liveObserver: LiveObserver = async (fleetPath, ctx) => {
  const { createLiveObserver } = await import("./device-commands.js");
  return createLiveObserver()(fleetPath, ctx);
};
