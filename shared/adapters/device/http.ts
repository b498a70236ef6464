/**
 * Pipeline policies shared by every client of one device: the TLS agent that trusts the
 * device CA (verification stays on), and the api-version rewrite that makes the current
 * SDKs speak the device's ARM profile (domain.md §5).
 */
import { Agent } from "node:https";
import { type SecureContext, createSecureContext } from "node:tls";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/** Api-versions the device serves, per provider namespace (lower case). */
export const DEVICE_API_VERSIONS: Readonly<Record<string, string>> = {
  "microsoft.compute": "2017-12-01",
  "microsoft.network": "2017-10-01",
  "microsoft.storage": "2019-06-01",
  "microsoft.resources": "2019-10-01",
};

/** Built once per process and shared by every device's agent: parsing the CA per connection is costly. */
export function createTrust(caPem: string | undefined): SecureContext | undefined {
  return caPem ? createSecureContext({ ca: caPem }) : undefined;
}

export function createDeviceAgent(trust: SecureContext | string | undefined): Agent {
  const secureContext = typeof trust === "string" ? createTrust(trust) : trust;
  // A keep-alive agent per device: one TLS handshake, then reused sockets. Verification
  // stays on: the secure context only adds the device CA to what is trusted.
  return new Agent({ keepAlive: true, maxSockets: 8, ...(secureContext ? { secureContext } : {}) });
}

export function agentPolicy(agent: Agent): PipelinePolicy {
  return {
    name: "aseDeviceAgent",
    sendRequest(request, next) {
      request.agent ??= agent;
      return next(request);
    },
  };
}

/** The namespace of the last `/providers/{ns}/` segment; core paths are Microsoft.Resources. */
export function providerNamespace(pathname: string): string {
  const m = [...pathname.matchAll(/\/providers\/([^/]+)/gi)].pop();
  return (m?.[1] ?? "microsoft.resources").toLowerCase();
}

export function apiVersionPolicy(versions: Readonly<Record<string, string>> = DEVICE_API_VERSIONS): PipelinePolicy {
  return {
    name: "aseDeviceApiVersion",
    sendRequest(request, next) {
      const url = new URL(request.url);
      const wanted = versions[providerNamespace(url.pathname)];
      if (wanted && url.searchParams.has("api-version") && url.searchParams.get("api-version") !== wanted) {
        url.searchParams.set("api-version", wanted);
        request.url = url.toString();
      }
      return next(request);
    },
  };
}
