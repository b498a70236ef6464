/**
 * The device's token credential: @azure/identity against its ADFS (tenant `adfs`, user
 * EdgeArmUser, the PowerShell public client id). MSAL caches the token and refreshes it
 * before expiry. The authority host must pass the allow-list like the ARM endpoint.
 */
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { UsernamePasswordCredential } from "@azure/identity";
import { agentPolicy } from "./http.js";

export const ADFS_TENANT = "adfs";
export const ARM_CLIENT_ID = "1950a258-227b-4e31-a9cf-717495945fc2";
export const ARM_USER = "EdgeArmUser";

/**
 * `https://management.<device>.<domain>/` -> `https://login.<device>.<domain>/adfs`
 * (domain.md §5); any other endpoint (a simulated device) -> `<endpoint>/adfs`.
 */
export function authorityFor(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.hostname.toLowerCase().startsWith("management.")) {
    return `https://login.${url.hostname.slice("management.".length)}${url.port ? `:${url.port}` : ""}/adfs`;
  }
  return `${endpoint.replace(/\/+$/, "")}/adfs`;
}

/** The token audience: the device's ARM endpoint. */
export function scopeFor(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/.default`;
}

export function createDeviceCredential(endpoint: string, password: string, agent: Agent): TokenCredential {
  return new UsernamePasswordCredential(ADFS_TENANT, ARM_CLIENT_ID, ARM_USER, password, {
    authorityHost: authorityFor(endpoint),
    disableInstanceDiscovery: true,
    additionalPolicies: [{ policy: agentPolicy(agent), position: "perCall" }],
  });
}
