/**
 * Settings the device adapters read, from an injected env-like object (app settings are
 * environment variables in Azure Functions). Device passwords are looked up by the name in
 * each manifest's `spec.arm.credential`; they are never logged.
 */
import { existsSync, readFileSync } from "node:fs";
import type { SecureContext } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
import { z } from "zod";
import { CREDENTIAL_PREFIX_SETTING, CredentialPrefix, credentialNameProblem, credentialPrefix } from "../core/manifest/credential-name.js";
import { parseAllowList } from "../core/trust/allow-list.js";
import { DEFAULT_CLOUD_AUTHORITY_HOST, createCloudCredential, createCloudTrust } from "../adapters/device/cloud-credential.js";
import { DeviceError } from "../core/errors/device-error.js";
import { type ConnectSettings, connectDevice } from "../adapters/device/connect.js";
import type { DeviceAccess, RetryOptions } from "../ports/device.js";
import { createTrust } from "../adapters/device/http.js";
import { DEFAULT_RETRY } from "../use-cases/observe-device/retry.js";

export type Env = Readonly<Record<string, string | undefined>>;

const Millis = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : Number(v)))
    .pipe(z.number().int().min(0));

export const DeviceEnv = z.object({
  ASE_GITOPS_ALLOWED_ENDPOINTS: z.string().optional(),
  ASE_GITOPS_DEVICE_CA: z.string().optional(),
  [CREDENTIAL_PREFIX_SETTING]: CredentialPrefix.optional(),
  /** Fallback LRO poll interval when the device sends no Retry-After. */
  ASE_GITOPS_POLL_INTERVAL_MS: Millis(5000),
  ASE_GITOPS_RETRY_BASE_MS: Millis(DEFAULT_RETRY.baseDelayMs),
  ASE_GITOPS_RETRY_ATTEMPTS: Millis(DEFAULT_RETRY.attempts),
  /**
   * Gone: one password for every VM, outside the device credential namespace. A VM's password
   * is now the setting its manifest names (adminPassword.credential); set, this is refused.
   */
  ASE_GITOPS_VM_ADMIN_PASSWORD: z
    .undefined({
      error: "is no longer read: name a setting per VM with adminPassword.credential (inside ASE_GITOPS_CREDENTIAL_PREFIX), or use ssh.publicKeys",
    })
    .optional(),
  /** The admin user of created VMs whose manifest names none. */
  ASE_GITOPS_VM_ADMIN_USER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/, "must be 1-32 letters, digits, '.', '_' or '-'")
    .default("azureuser"),
  /** Driver download for the Windows GPU extension (domain.md §4, §9): Microsoft's parameter files' URLs. */
  ASE_GITOPS_WINDOWS_DRIVER_URL: z.string().optional(),
  ASE_GITOPS_WINDOWS_DRIVER_CERT_URL: z.string().default("https://go.microsoft.com/fwlink/?linkid=871664"),
  /** Service principal for spec.dataBoxEdge (all three, or none: DefaultAzureCredential). */
  ASE_GITOPS_CLOUD_TENANT_ID: z.string().optional(),
  ASE_GITOPS_CLOUD_CLIENT_ID: z.string().optional(),
  ASE_GITOPS_CLOUD_CLIENT_SECRET: z.string().optional(),
  ASE_GITOPS_CLOUD_AUTHORITY_HOST: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).default(DEFAULT_CLOUD_AUTHORITY_HOST),
});

/**
 * The device settings: what the ARM port and the trust checks read (ConnectSettings) and
 * what the use cases get (DeviceAccess), `connect` included.
 */
export interface DeviceSettings extends ConnectSettings, DeviceAccess {
  retry: RetryOptions;
}

export function deviceSettingsFromEnv(env: Env): DeviceSettings {
  const parsed = DeviceEnv.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DeviceError("INTERNAL", `setting ${String(issue.path[0])}: ${issue.message}`, false);
  }
  const raw = parsed.data;
  let caPem: string | undefined;
  if (raw.ASE_GITOPS_DEVICE_CA) {
    const value = raw.ASE_GITOPS_DEVICE_CA;
    if (value.includes("-----BEGIN CERTIFICATE-----")) caPem = value.replace(/\\n/g, "\n");
    else if (existsSync(value)) caPem = readFileSync(value, "utf8");
    else throw new DeviceError("TLS_FAILED", `ASE_GITOPS_DEVICE_CA: no such PEM file ${value}`, false);
  }
  const cloud = {
    tenantId: raw.ASE_GITOPS_CLOUD_TENANT_ID,
    clientId: raw.ASE_GITOPS_CLOUD_CLIENT_ID,
    clientSecret: raw.ASE_GITOPS_CLOUD_CLIENT_SECRET,
    authorityHost: raw.ASE_GITOPS_CLOUD_AUTHORITY_HOST,
  };
  let cloudTrust: { value: SecureContext | undefined } | undefined;
  const getCloudTrust = () => (cloudTrust ??= { value: createCloudTrust(caPem) }).value;
  let cloudCredential: TokenCredential | undefined;
  const prefix = credentialPrefix(env);
  return {
    allowList: parseAllowList(raw.ASE_GITOPS_ALLOWED_ENDPOINTS),
    caPem,
    trust: createTrust(caPem),
    pollIntervalMs: raw.ASE_GITOPS_POLL_INTERVAL_MS,
    retry: { ...DEFAULT_RETRY, baseDelayMs: raw.ASE_GITOPS_RETRY_BASE_MS, attempts: Math.max(1, raw.ASE_GITOPS_RETRY_ATTEMPTS) },
    vmAdminUser: raw.ASE_GITOPS_VM_ADMIN_USER,
    windowsDriver: {
      ...(raw.ASE_GITOPS_WINDOWS_DRIVER_URL ? { url: raw.ASE_GITOPS_WINDOWS_DRIVER_URL } : {}),
      certificateUrl: raw.ASE_GITOPS_WINDOWS_DRIVER_CERT_URL,
    },
    credentialPrefix: prefix,
    secret: (name) => {
      // connectDevice refuses such a name with a clear error first; this is the backstop.
      if (credentialNameProblem(name, prefix)) return undefined;
      const value = env[name];
      return value === undefined || value === "" ? undefined : value;
    },
    cloudCredential: () => (cloudCredential ??= createCloudCredential(cloud, getCloudTrust())),
    cloudTrust: getCloudTrust,
    // A method, so a settings object spread with overrides connects with those overrides.
    connect(manifest) {
      return connectDevice(manifest, this);
    },
  };
}
