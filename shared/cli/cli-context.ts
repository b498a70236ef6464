/** What every CLI command gets: where to write, and how to fail with a one-line message. */
import { ControllerError } from "../core/errors/controller-error.js";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdinIsTTY: boolean;
}

export interface CliContext {
  io: CliIo;
  /** Set by a command; 0 unless it says otherwise. */
  exitCode: number;
  debug: boolean;
}

/** A failure the user caused or can fix: exit 1 with this one line, never a stack trace. */
export class CliError extends ControllerError {
  readonly code = "CLI_FAILED";
  readonly transient = false;
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The contract's exit codes (contract.md §4). */
export const EXIT = { ok: 0, failure: 1, infeasible: 2 } as const;
