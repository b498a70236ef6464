/**
 * What makes a VM usable, checked at plan time (contract.md §3): a way to log in, a static
 * IP that is unique and inside its subnet, and first-boot data that can still take effect.
 * Pure; only names and hashes reach the messages, never a key, password or custom data.
 */
import type { ManifestLines, VmLines } from "../manifest/load.js";
import { vmFilesOf } from "../manifest/referenced-files.js";
import { DEFAULT_SUBNET, DEFAULT_VNET, DEFAULT_VNET_RESOURCE_GROUP, type EdgeDevice, type VirtualMachineSpec } from "../manifest/schema.js";
import type { ObservedDevice } from "./observed.js";
import type { PlanError, PlanStep, PlanWarning } from "./types.js";
import { vmOf } from "./types.js";

export interface VmCheckInput {
  manifest: EdgeDevice;
  file: string;
  lines?: ManifestLines;
}

export interface VmNetwork {
  vnet: string;
  subnet: string;
  resourceGroup: string;
  /** "" = dynamic. */
  privateIP: string;
}

/** The network a VM's NIC goes to, defaults applied (ASEVNET / ASEVNETsubNet / ASERG, dynamic). */
export function vmNetwork(vm: Pick<VirtualMachineSpec, "network">): VmNetwork {
  return {
    vnet: vm.network?.vnet ?? DEFAULT_VNET,
    subnet: vm.network?.subnet ?? DEFAULT_SUBNET,
    resourceGroup: vm.network?.resourceGroup ?? DEFAULT_VNET_RESOURCE_GROUP,
    privateIP: vm.network?.privateIP ?? "",
  };
}

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

/** Whether `ip` is a usable host address of `cidr` (not its network or broadcast address); undefined if cidr is unreadable. */
export function ipInPrefix(ip: string, cidr: string): boolean | undefined {
  const [base, bitsText] = cidr.split("/");
  const address = ipv4ToNumber(ip);
  const network = base === undefined ? undefined : ipv4ToNumber(base);
  const bits = Number(bitsText);
  if (address === undefined || network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(network / size) * size;
  if (address < first || address >= first + size) return false;
  return size <= 2 || (address !== first && address !== first + size - 1);
}

function vmAt(input: VmCheckInput, index: number, field: keyof Omit<VmLines, "sshKeys">): { file: string; line?: number } {
  const vm = input.lines?.vms[index];
  const line = vm?.[field] ?? vm?.name ?? input.lines?.document;
  return line === undefined ? { file: input.file } : { file: input.file, line };
}

/** A VM the plan creates must have a way in, unless the manifest says `login: none`. */
function checkLogins(input: VmCheckInput, created: ReadonlySet<string>): PlanError[] {
  const errors: PlanError[] = [];
  const seen = new Set<string>();
  input.manifest.spec.virtualMachines.forEach((vm, index) => {
    if (!created.has(vm.name) || seen.has(vm.name)) return;
    seen.add(vm.name);
    if (vm.login === "none" || vm.adminPassword) return;
    const windows = vm.os?.type === "Windows";
    if (!windows && vmFilesOf(input.manifest, index).sshPublicKeys.length > 0) return;
    errors.push({
      code: "VM_NO_LOGIN",
      message: `VM ${vm.name} would be created with no way to log in: ${windows ? "a Windows VM needs adminPassword.credential" : "no ssh.publicKeys and no adminPassword.credential"}`,
      hint: windows
        ? "Add adminPassword: { credential: DEVICE_<NAME> } naming an app setting that holds the password (at least 12 characters), or login: none if nobody should log in."
        : "Add ssh.publicKeys (an OpenSSH public key inline, or { file: keys/you.pub }), or adminPassword: { credential: DEVICE_<NAME> }, or login: none if nobody should log in.",
      ...vmAt(input, index, "name"),
    });
  });
  return errors;
}

/** Static IPs: unique on the device, inside the subnet when the device's subnets are known, unchanged on existing VMs. */
function checkStaticIps(input: VmCheckInput, observed: ObservedDevice | undefined): PlanError[] {
  const errors: PlanError[] = [];
  const vms = input.manifest.spec.virtualMachines;
  const named = new Set(vms.map((vm) => vm.name));
  const owners = new Map<string, string>();
  // Unmanaged VMs keep their addresses; managed ones the manifest drops are deleted first.
  for (const vm of observed?.virtualMachines ?? []) {
    if (!named.has(vm.name) && !vm.managed && vm.privateIP) owners.set(vm.privateIP, `${vm.name} (not managed by ase-gitops)`);
  }
  const observedByName = new Map((observed?.virtualMachines ?? []).map((vm) => [vm.name, vm]));
  const done = new Set<string>();
  vms.forEach((vm, index) => {
    if (done.has(vm.name)) return;
    done.add(vm.name);
    const net = vmNetwork(vm);
    const existing = observedByName.get(vm.name);
    if (existing?.privateIP !== undefined && existing.privateIP !== net.privateIP) {
      const was = existing.privateIP || "dynamic";
      const now = net.privateIP || "dynamic";
      errors.push({
        code: "STATIC_IP_CHANGE_NEEDS_RECREATE",
        message: `VM ${vm.name} exists with IP ${was}; the manifest asks for ${now}, and ase-gitops does not change a NIC in place`,
        hint: `Keep privateIP ${existing.privateIP || "unset"} for ${vm.name}, or recreate it: remove the VM from the manifest (it is deleted), merge, then add it back with the new address.`,
        ...vmAt(input, index, "privateIP"),
      });
    }
    if (!net.privateIP) return;
    const owner = owners.get(net.privateIP);
    if (owner) {
      errors.push({
        code: "STATIC_IP_CONFLICT",
        message: `VM ${vm.name}: static IP ${net.privateIP} is already given to VM ${owner} on this device`,
        hint: "Give each VM its own address, or leave privateIP out for a dynamic one.",
        ...vmAt(input, index, "privateIP"),
      });
    } else {
      owners.set(net.privateIP, vm.name);
    }
    const subnet = observed?.subnets?.find(
      (s) =>
        s.vnet.toLowerCase() === net.vnet.toLowerCase() &&
        s.name.toLowerCase() === net.subnet.toLowerCase() &&
        s.resourceGroup.toLowerCase() === net.resourceGroup.toLowerCase(),
    );
    if (subnet && ipInPrefix(net.privateIP, subnet.addressPrefix) === false) {
      errors.push({
        code: "STATIC_IP_OUTSIDE_SUBNET",
        message: `VM ${vm.name}: static IP ${net.privateIP} is not a host address of subnet ${net.vnet}/${net.subnet} (${subnet.addressPrefix})`,
        hint: `Pick an address inside ${subnet.addressPrefix} other than its network and broadcast addresses.`,
        ...vmAt(input, index, "privateIP"),
      });
    }
  });
  return errors;
}

/** First-boot data only runs at creation: a changed one on an existing VM is said, never silently ignored. */
function checkCustomData(input: VmCheckInput, observed: ObservedDevice | undefined, created: ReadonlySet<string>): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const observedByName = new Map((observed?.virtualMachines ?? []).map((vm) => [vm.name, vm]));
  input.manifest.spec.virtualMachines.forEach((vm, index) => {
    const existing = observedByName.get(vm.name);
    if (created.has(vm.name) || !existing || existing.customDataSha256 === undefined) return;
    const want = vmFilesOf(input.manifest, index).customData?.sha256 ?? "";
    if (want === existing.customDataSha256) return;
    warnings.push({
      code: "CUSTOM_DATA_NOT_APPLIED",
      message: `VM ${vm.name}: customData ${want ? `is now ${vm.customData!.file} (sha256 ${want.slice(0, 12)})` : "was removed"} but the VM was created with ${existing.customDataSha256 ? `sha256 ${existing.customDataSha256.slice(0, 12)}` : "none"}; first-boot data has no effect until the VM is recreated`,
      hint: "To apply it, recreate the VM: remove it from the manifest, merge, then add it back.",
      ...vmAt(input, index, "customData"),
    });
  });
  return warnings;
}

export function checkVms(
  input: VmCheckInput,
  observed: ObservedDevice | undefined,
  steps: readonly PlanStep[],
): { errors: PlanError[]; warnings: PlanWarning[] } {
  const created = new Set(steps.filter((s) => s.action === "createVm").map((s) => vmOf(s) ?? ""));
  return {
    errors: [...checkLogins(input, created), ...checkStaticIps(input, observed)],
    warnings: checkCustomData(input, observed, created),
  };
}
