/** The credential rule applied to a validated manifest (issue 9, item 1), shared by both loading tiers. */
import { credentialNameProblem } from "./credential-name.js";
import type { EdgeDevice } from "./schema.js";
import type { DocPath } from "./yaml-lines.js";

export interface ParseCredentialOptions {
  credentialPrefix?: string;
}

/** A credential-naming field outside the device credential namespace (only spec.arm.credential today). */
export function manifestCredentialProblem(manifest: EdgeDevice, options: ParseCredentialOptions): { path: DocPath; message: string } | undefined {
  const name = manifest.spec.arm?.credential;
  if (options.credentialPrefix === undefined || name === undefined) return undefined;
  const problem = credentialNameProblem(name, options.credentialPrefix);
  return problem ? { path: ["spec", "arm", "credential"], message: `spec.arm.credential: ${problem}` } : undefined;
}
