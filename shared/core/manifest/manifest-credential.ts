/** The credential rule applied to a validated manifest (issue 9, item 1), shared by both loading tiers. */
import { credentialNameProblem } from "./credential-name.js";
import type { EdgeDevice } from "./schema.js";
import type { DocPath } from "./yaml-lines.js";

export interface ParseCredentialOptions {
  credentialPrefix?: string;
}

/** A credential-naming field outside the device credential namespace: spec.arm.credential, VM admin passwords. */
export function manifestCredentialProblem(manifest: EdgeDevice, options: ParseCredentialOptions): { path: DocPath; message: string } | undefined {
  if (options.credentialPrefix === undefined) return undefined;
  const named: Array<{ path: DocPath; where: string; name: string }> = [];
  if (manifest.spec.arm) named.push({ path: ["spec", "arm", "credential"], where: "spec.arm.credential", name: manifest.spec.arm.credential });
  manifest.spec.virtualMachines.forEach((vm, index) => {
    if (vm.adminPassword) {
      named.push({
        path: ["spec", "virtualMachines", index, "adminPassword", "credential"],
        where: `spec.virtualMachines[${index}].adminPassword.credential`,
        name: vm.adminPassword.credential,
      });
    }
  });
  for (const { path, where, name } of named) {
    const problem = credentialNameProblem(name, options.credentialPrefix);
    if (problem) return { path, message: `${where}: ${problem}` };
  }
  return undefined;
}
