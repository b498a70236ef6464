/** ARM's error envelope: `{ "error": { "code", "message", "details"? } }` with an HTTP status. */

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export class ArmHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ArmErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
  }
}

export const armError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new ArmHttpError(status, { code, message }, headers);

export const notFound = (type: string, name: string) =>
  armError(404, "ResourceNotFound", `The Resource '${type}/${name}' under resource group was not found.`);

export const resourceGroupNotFound = (rg: string) => armError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
