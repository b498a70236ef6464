/**
 * The device manifest (contract.md §1) as a zod schema. Objects are strict: an unknown
 * field is an error, so a typo never passes silently.
 */
import { z } from "zod";
import { sshPublicKeyProblem } from "./ssh-public-key.js";

export const API_VERSION = "ase-gitops/v1";
export const KIND = "EdgeDevice";

/** YAML reads `2106` and `18.04` as numbers; users mean the text. */
const Text = z.union([z.string(), z.number().transform(String)]);

export const DeviceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label (a-z, 0-9, '-', at most 63 characters)");

export const VmName = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9_])?$/, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");

export const Release = Text.pipe(z.string().regex(/^\d{4}$/, 'must be a release name YYMM, e.g. "2106"'));

export const OsSpec = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("Linux"),
    distro: z.string().optional(),
    version: Text.optional(),
  }),
  z.strictObject({
    type: z.literal("Windows"),
    version: Text.optional(),
  }),
]);
export type OsSpec = z.infer<typeof OsSpec>;

/** The name of an app setting holding a secret; the namespace rule (credential-name.ts) is checked by the loader. */
export const CredentialName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must name an app setting (letters, digits, '_')");

/**
 * A path inside the fleet repository, relative to the manifest's own folder and below it:
 * no absolute paths and no `..`, so a manifest can only name files reviewed with it.
 */
export const RepoFilePath = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !p.startsWith("/") && !p.includes("\\") && !/^[A-Za-z]:/.test(p) && !p.split("/").includes(".."), {
    message: "must be a relative path inside the manifest's folder (no leading '/', no '..', no '\\')",
  });

export const FileRef = z.strictObject({ file: RepoFilePath });
export type FileRef = z.infer<typeof FileRef>;

/** An OpenSSH public key inline, or `{ file: path }`; the key itself is checked when the file is read. */
export const SshPublicKeyRef = z.union([
  z.string().superRefine((key, ctx) => {
    const problem = sshPublicKeyProblem(key);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  FileRef,
]);
export type SshPublicKeyRef = z.infer<typeof SshPublicKeyRef>;

export const AdminUsername = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/, "must be 1-32 letters, digits, '.', '_' or '-', starting with a letter or '_'");

/** IPv4 dotted quad, each part 0-255 without leading zeros. */
export const Ipv4Address = z
  .string()
  .regex(/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/, "must be an IPv4 address such as 10.0.0.10");

export const DEFAULT_VNET = "ASEVNET";
export const DEFAULT_SUBNET = "ASEVNETsubNet";
export const DEFAULT_VNET_RESOURCE_GROUP = "ASERG";

/** Where the VM's NIC goes: the network enabling compute created, unless named otherwise. */
export const VmNetworkSpec = z.strictObject({
  vnet: z.string().min(1).max(64).default(DEFAULT_VNET),
  subnet: z.string().min(1).max(80).default(DEFAULT_SUBNET),
  resourceGroup: z.string().min(1).max(90).default(DEFAULT_VNET_RESOURCE_GROUP),
  /** Absent: dynamic (DHCP from the subnet). */
  privateIP: Ipv4Address.optional(),
});
export type VmNetworkSpec = z.infer<typeof VmNetworkSpec>;

export const VirtualMachineSpec = z
  .strictObject({
    name: VmName,
    size: z.string().min(1),
    image: z.string().min(1),
    os: OsSpec.optional(),
    /** Default: true for GPU sizes, false otherwise (resolved by the planner, which knows sizes). */
    gpuExtension: z.boolean().optional(),
    powerState: z.enum(["running", "deallocated"]).default("running"),
    /** Default: azureuser (the portal's default). */
    adminUsername: AdminUsername.optional(),
    /** Linux only: keys for `adminUsername` (~/.ssh/authorized_keys). */
    ssh: z.strictObject({ publicKeys: z.array(SshPublicKeyRef).min(1, "must list at least one key") }).optional(),
    /** The admin password, from an app setting in the device credential namespace (never in the manifest). */
    adminPassword: z.strictObject({ credential: CredentialName }).optional(),
    /** `none`: nobody is meant to log in (no key, no known password); says so explicitly. */
    login: z.literal("none").optional(),
    network: VmNetworkSpec.optional(),
    /** First-boot data (cloud-init for Linux), from a file; at most 64 KiB, as Azure allows. */
    customData: FileRef.optional(),
  })
  .superRefine((vm, ctx) => {
    if (vm.ssh && vm.os?.type === "Windows") {
      ctx.addIssue({ code: "custom", path: ["ssh"], message: "SSH keys are for Linux VMs; a Windows VM logs in with adminPassword" });
    }
    if (vm.login === "none" && (vm.ssh || vm.adminPassword)) {
      ctx.addIssue({ code: "custom", path: ["login"], message: "login: none contradicts ssh/adminPassword; keep one" });
    }
  });
export type VirtualMachineSpec = z.infer<typeof VirtualMachineSpec>;

/**
 * Any 8-4-4-4-12 hex GUID, as ARM accepts: `z.uuid()` would insist on RFC 4122 version and
 * variant bits and refuse placeholders such as 11111111-2222-3333-4444-555555555555.
 */
export const SubscriptionId = z.guid({ error: "must be a subscription GUID (8-4-4-4-12 hex digits)" });

export const ArmSpec = z.strictObject({
  endpoint: z.url({ protocol: /^https$/, error: "must be an https:// URL" }),
  subscriptionId: SubscriptionId,
  resourceGroup: z.string().min(1).max(90),
  location: z.string().min(1).default("DBELocal"),
  credential: CredentialName,
});
export type ArmSpec = z.infer<typeof ArmSpec>;

/**
 * The device's cloud resource `Microsoft.DataBoxEdge/dataBoxEdgeDevices/{name}` in an Azure
 * subscription: the Kubernetes role, software updates and deviceCapacityInfo go through it,
 * with an Azure AD credential. Absent: those calls go to the device's local ARM (spec.arm).
 */
export const DataBoxEdgeSpec = z.strictObject({
  subscriptionId: SubscriptionId,
  resourceGroup: z.string().min(1).max(90),
  /** Default: metadata.name. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "must be 1-63 letters, digits, '_' or '-', starting with a letter or digit")
    .optional(),
  endpoint: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).default("https://management.azure.com"),
});
export type DataBoxEdgeSpec = z.infer<typeof DataBoxEdgeSpec>;

export const KubernetesSpec = z.strictObject({
  enabled: z.boolean().default(false),
  allowReconfigure: z.boolean().default(false),
});

export const DriftPolicy = z.enum(["report", "remediate"]).meta({ default: "report" });
export type DriftPolicy = z.infer<typeof DriftPolicy>;

export const EdgeDevice = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: z.strictObject({
    name: DeviceName,
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    gpu: z.strictObject({
      count: z.union([z.literal(1), z.literal(2)], { error: "must be 1 or 2" }),
      model: z.enum(["T4", "A2"]).default("T4"),
    }),
    softwareVersion: Release.optional(),
    /** Nodes in the device's cluster: 2-node devices stay on 2510 or earlier (domain.md §8). Default 1. */
    nodes: z.union([z.literal(1), z.literal(2)], { error: "must be 1 or 2" }).optional(),
    arm: ArmSpec.optional(),
    /** Optional: the device's cloud resource (Kubernetes role, updates, GPU capacity). */
    dataBoxEdge: DataBoxEdgeSpec.optional(),
    kubernetes: KubernetesSpec.default({ enabled: false, allowReconfigure: false }),
    virtualMachines: z.array(VirtualMachineSpec).default([]),
    /**
     * What a drift check does when the device differs from this manifest: `report` (the
     * default) opens a drift issue; `remediate` also applies the fix when it is safe.
     * Optional rather than defaulted so code that builds manifests need not name it.
     */
    driftPolicy: DriftPolicy.optional(),
  }),
});
export type EdgeDevice = z.infer<typeof EdgeDevice>;
