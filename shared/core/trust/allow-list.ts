/**
 * ASE_GITOPS_ALLOWED_ENDPOINTS: host names or `*.domain` patterns (an `https://host[:port]`
 * entry is read as its host), matched against an endpoint's host with the port ignored.
 * No credential is sent to a host outside the list; an empty list allows nothing.
 */
import { DeviceError } from "../errors/device-error.js";

export type AllowList = readonly string[];

export function parseAllowList(value: string | undefined): AllowList {
  return (value ?? "")
    .split(/[,\s]+/)
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean)
    .map((item) => {
      if (/^https?:\/\//.test(item)) {
        try {
          return new URL(item).hostname;
        } catch {
          return item;
        }
      }
      return item.replace(/:\d+$/, "").replace(/\/+$/, "");
    });
}

function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

export function isAllowedEndpoint(endpoint: string, allow: AllowList): boolean {
  const host = hostOf(endpoint);
  if (!host) return false;
  return allow.some((pattern) => {
    if (pattern.startsWith("*.")) {
      const domain = pattern.slice(2);
      return host.endsWith(`.${domain}`);
    }
    return host === pattern.replace(/^\[|\]$/g, "");
  });
}

/** Throws ENDPOINT_NOT_ALLOWED (terminal) unless every URL's host is on the list. */
export function assertAllowed(device: string, urls: readonly string[], allow: AllowList): void {
  for (const url of urls) {
    if (!url.startsWith("https://")) {
      throw new DeviceError("ENDPOINT_NOT_ALLOWED", `device ${device}: endpoint ${url} is not https`, false);
    }
    if (!isAllowedEndpoint(url, allow)) {
      throw new DeviceError(
        "ENDPOINT_NOT_ALLOWED",
        `device ${device}: endpoint host ${hostOf(url) ?? url} is not in ASE_GITOPS_ALLOWED_ENDPOINTS; no credential is sent to it`,
        false,
      );
    }
  }
}
