/**
 * Which source line each manifest part the planner reports on sits at, given a way to place
 * one path. Both loading tiers use it (the positional `yaml` path and js-yaml's event
 * stream), so their lines cannot drift apart.
 */
import type { ManifestLines } from "./load.js";
import type { EdgeDevice } from "./schema.js";
import type { DocPath } from "./yaml-lines.js";

export function manifestLinesFrom(manifest: EdgeDevice, line: (path: DocPath) => number): ManifestLines {
  return {
    document: line([]),
    name: line(["metadata", "name"]),
    gpu: line(["spec", "gpu"]),
    softwareVersion: line(["spec", "softwareVersion"]),
    kubernetes: line(["spec", "kubernetes"]),
    allowReconfigure: line(["spec", "kubernetes", "allowReconfigure"]),
    vms: manifest.spec.virtualMachines.map((spec, index) => {
      const vm = ["spec", "virtualMachines", index];
      const name = line([...vm, "name"]);
      // Fields a VM does not set point at its name: no lookup (thousands of VMs load linearly).
      const lineIf = (present: unknown, path: DocPath) => (present === undefined ? name : line(path));
      return {
        name,
        size: line([...vm, "size"]),
        os: line([...vm, "os"]),
        powerState: line([...vm, "powerState"]),
        login: lineIf(spec.login, [...vm, "login"]),
        network: lineIf(spec.network, [...vm, "network"]),
        privateIP: lineIf(spec.network?.privateIP, [...vm, "network", "privateIP"]),
        customData: lineIf(spec.customData, [...vm, "customData"]),
        sshKeys: (spec.ssh?.publicKeys ?? []).map((_, k) => line([...vm, "ssh", "publicKeys", k])),
      };
    }),
  };
}
