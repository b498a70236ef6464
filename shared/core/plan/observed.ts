/**
 * Observed device state (contract.md §2): what each device looks like now. Read from a
 * file by the CLI and from the device by the controller, validated the same way.
 */
import { z } from "zod";

export const ObservedVm = z.object({
  name: z.string().min(1),
  size: z.string().min(1),
  powerState: z.enum(["running", "stopped", "deallocated"]),
  gpuExtension: z.enum(["succeeded", "failed", "creating", "none"]).default("none"),
  managed: z.boolean().default(true),
  /** The static IP the controller gave the VM ("" = dynamic), from its tag; absent = unknown. */
  privateIP: z.string().optional(),
  /** sha256 of the customData the VM was created with, from its tag ("" = none); absent = unknown. */
  customDataSha256: z.string().optional(),
});
export type ObservedVm = z.infer<typeof ObservedVm>;

export const ObservedSubnet = z.object({
  vnet: z.string().min(1),
  resourceGroup: z.string().min(1),
  name: z.string().min(1),
  /** CIDR, e.g. 10.126.72.0/21. */
  addressPrefix: z.string().min(1),
});
export type ObservedSubnet = z.infer<typeof ObservedSubnet>;

export const ObservedDevice = z.object({
  softwareVersion: z.union([z.string(), z.number().transform(String)]).optional(),
  kubernetes: z.object({ configured: z.boolean(), gpus: z.number().int().min(0).default(0) }).default({ configured: false, gpus: 0 }),
  virtualMachines: z.array(ObservedVm).default([]),
  /** Subnets the device reports (live observe or an observed file); used to check static IPs. */
  subnets: z.array(ObservedSubnet).optional(),
});
export type ObservedDevice = z.infer<typeof ObservedDevice>;

export const ObservedState = z.object({
  devices: z.record(z.string(), ObservedDevice).default({}),
});
export type ObservedState = z.infer<typeof ObservedState>;

/** A device missing from the observed state is new: no VMs, no Kubernetes, release unknown. */
export const NEW_DEVICE: ObservedDevice = {
  kubernetes: { configured: false, gpus: 0 },
  virtualMachines: [],
};
