import { ControllerError } from "../errors/controller-error.js";

/** Drift failures with stable codes; `transient` ones are rethrown so the queue retries. */
export type DriftErrorCode = "DRIFT_BAD_REQUEST" | "DRIFT_REPOSITORY_NOT_ALLOWED" | "DRIFT_NO_REPOSITORY";

export class DriftError extends ControllerError {
  constructor(
    readonly code: DriftErrorCode,
    message: string,
    readonly transient = false,
  ) {
    super(message);
  }
}
