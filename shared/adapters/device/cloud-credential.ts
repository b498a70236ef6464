/**
 * The Azure AD credential for the devices' cloud resources (spec.dataBoxEdge): a service
 * principal from ASE_GITOPS_CLOUD_TENANT_ID + _CLIENT_ID + _CLIENT_SECRET (authority
 * ASE_GITOPS_CLOUD_AUTHORITY_HOST, default login.microsoftonline.com), otherwise
 * DefaultAzureCredential (the Function App's managed identity in Azure). One credential per
 * process, so MSAL's token cache is shared by every device.
 */
import { Agent } from "node:https";
import { type SecureContext, createSecureContext, rootCertificates } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import { DeviceError } from "./errors.js";
import { agentPolicy } from "./http.js";

export const DEFAULT_CLOUD_AUTHORITY_HOST = "https://login.microsoftonline.com";

export interface CloudCredentialSettings {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  authorityHost: string;
}

/**
 * TLS trust for cloud endpoints: the system CAs plus the device CA when one is set (a `ca`
 * option alone would replace the system CAs and break management.azure.com). Verification
 * stays on.
 */
export function createCloudTrust(caPem: string | undefined): SecureContext | undefined {
  return caPem ? createSecureContext({ ca: [...rootCertificates, caPem] }) : undefined;
}

/** Which of the three service-principal settings are missing when only some are set. */
function missingParts(cloud: CloudCredentialSettings): string[] {
  const parts: Array<[string, string | undefined]> = [
    ["ASE_GITOPS_CLOUD_TENANT_ID", cloud.tenantId],
    ["ASE_GITOPS_CLOUD_CLIENT_ID", cloud.clientId],
    ["ASE_GITOPS_CLOUD_CLIENT_SECRET", cloud.clientSecret],
  ];
  const set = parts.filter(([, v]) => v);
  return set.length === 0 || set.length === parts.length ? [] : parts.filter(([, v]) => !v).map(([k]) => k);
}

export function createCloudCredential(cloud: CloudCredentialSettings, trust: SecureContext | undefined): TokenCredential {
  const missing = missingParts(cloud);
  if (missing.length > 0) {
    throw new DeviceError(
      "MISSING_CREDENTIAL",
      `cloud credential: ${missing.join(", ")} not set (set all three service-principal settings, or none to use the managed identity)`,
      false,
    );
  }
  // Token requests are rare (MSAL caches): no keep-alive, so no socket outlives its request.
  const agent = new Agent({ keepAlive: false, ...(trust ? { secureContext: trust } : {}) });
  const options = {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200 },
    additionalPolicies: [{ policy: agentPolicy(agent), position: "perCall" as const }],
  };
  if (cloud.tenantId && cloud.clientId && cloud.clientSecret) {
    const authorityHost = cloud.authorityHost.replace(/\/+$/, "");
    const publicCloud = new URL(authorityHost).hostname.toLowerCase() === new URL(DEFAULT_CLOUD_AUTHORITY_HOST).hostname;
    return new ClientSecretCredential(cloud.tenantId, cloud.clientId, cloud.clientSecret, {
      ...options,
      authorityHost,
      ...(publicCloud ? {} : { disableInstanceDiscovery: true }),
    });
  }
  return new DefaultAzureCredential(options);
}
