/**
 * A credential goes only to the hosts it was issued for. The ADFS password and token go to
 * the device (its endpoint and its `login.` token service, or a simulated device's own path
 * prefix); the Azure AD token to the cloud endpoint. Links a server hands out (nextLink,
 * Azure-AsyncOperation, Location, a redirect, the discovery document's token_endpoint) are
 * followed only when they stay there: anything else is refused before it is sent.
 */
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { authorityFor } from "./authority.js";
import { DeviceError } from "./errors.js";

export const HOST_GUARD_POLICY_NAME = "aseHostGuard";
export const DISCOVERY_GUARD_POLICY_NAME = "aseDiscoveryGuard";

/** `https://host[:port]/path` of an endpoint: host lower case, default port and trailing slash dropped. */
export function trustedPrefix(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`.toLowerCase();
}

/** Whether `url` is https, carries no user info, and lies under one of the prefixes. */
export function isUnder(url: string, prefixes: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" || parsed.username || parsed.password) return false;
  const target = `${parsed.protocol}//${parsed.host}${parsed.pathname}`.toLowerCase();
  return prefixes.some((prefix) => target === prefix || target.startsWith(`${prefix}/`));
}

/** The host of a URL for a message (never the path or query: they are the server's text). */
export function hostForMessage(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an unparseable URL";
  }
}

/** Where the device's password and tokens may go: its endpoint and its ADFS authority. */
export function deviceTokenPrefixes(endpoint: string): string[] {
  return [...new Set([trustedPrefix(endpoint), trustedPrefix(authorityFor(endpoint))])];
}

/** Why the discovery document's token_endpoint may not receive the password, or undefined. */
export function tokenEndpointProblem(endpoint: string, tokenEndpoint: unknown): string | undefined {
  const prefixes = deviceTokenPrefixes(endpoint);
  if (typeof tokenEndpoint === "string" && isUnder(tokenEndpoint, prefixes)) return undefined;
  const named = typeof tokenEndpoint === "string" ? hostForMessage(tokenEndpoint) : "nothing";
  return (
    `the ADFS discovery document names token_endpoint at ${named}, which is not the device's own token service ` +
    `(${prefixes.join(" or ")}); the password is not sent`
  );
}

/**
 * Refuses, before it is sent, any request outside `prefixes`. Added after the Sign phase
 * ("perRetry"): redirects and retries re-enter the pipeline after Retry, so a per-call
 * policy would not see them; here every request that would reach the socket is checked.
 */
export function hostGuardPolicy(what: string, prefixes: readonly string[], onRefuse?: (error: DeviceError) => void): PipelinePolicy {
  const allowed = prefixes.map((p) => p.toLowerCase());
  return {
    name: HOST_GUARD_POLICY_NAME,
    sendRequest(request: PipelineRequest, next) {
      if (!isUnder(request.url, allowed)) {
        const error = new DeviceError(
          "FOREIGN_HOST_REFUSED",
          `${what}: refused a request to ${hostForMessage(request.url)} before sending it: the credential was issued for ${allowed.join(" or ")} only ` +
            `(a nextLink, Azure-AsyncOperation, Location or redirect pointing elsewhere is not followed)`,
          false,
        );
        onRefuse?.(error);
        return Promise.reject(error);
      }
      return next(request);
    },
  };
}

/** Reads the ADFS discovery document as it passes and refuses a foreign token_endpoint. */
export function discoveryGuardPolicy(device: string, endpoint: string, onRefuse: (error: DeviceError) => void): PipelinePolicy {
  return {
    name: DISCOVERY_GUARD_POLICY_NAME,
    async sendRequest(request, next) {
      const response = await next(request);
      if (!/openid-configuration$/i.test(new URL(request.url).pathname) || response.status !== 200) return response;
      let tokenEndpoint: unknown;
      try {
        tokenEndpoint = (JSON.parse(response.bodyAsText ?? "") as { token_endpoint?: unknown }).token_endpoint;
      } catch {
        return response;
      }
      const problem = tokenEndpointProblem(endpoint, tokenEndpoint);
      if (problem) {
        const error = new DeviceError("TOKEN_ENDPOINT_NOT_ALLOWED", `device ${device}: ${problem}`, false);
        onRefuse(error);
        throw error;
      }
      return response;
    },
  };
}
