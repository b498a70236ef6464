/**
 * The device's token credential: @azure/identity against its ADFS (tenant `adfs`, user
 * EdgeArmUser, the PowerShell public client id). MSAL caches the token and refreshes it
 * before expiry. The authority host must pass the allow-list like the ARM endpoint, and the
 * password and tokens go nowhere else: a discovery document naming a foreign token_endpoint
 * is refused (TOKEN_ENDPOINT_NOT_ALLOWED), and so is any request off the device's own hosts.
 */
import { type Agent, get } from "node:https";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { DeviceError, TLS_CODES } from "./errors.js";
import { UsernamePasswordCredential } from "@azure/identity";
import { authorityFor } from "./authority.js";
import { deviceTokenPrefixes, discoveryGuardPolicy, hostGuardPolicy } from "./host-guard.js";
import { agentPolicy } from "./http.js";

export const ADFS_TENANT = "adfs";
export const ARM_CLIENT_ID = "1950a258-227b-4e31-a9cf-717495945fc2";
export const ARM_USER = "EdgeArmUser";

export { authorityFor, scopeFor } from "./authority.js";

/** Why the token service cannot be reached, when it is the socket (MSAL hides the cause). */
function probe(url: string, agent: Agent): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(undefined);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "ECONNRESET"));
  });
}

export function createDeviceCredential(endpoint: string, password: string, agent: Agent, device = new URL(endpoint).host): TokenCredential {
  const authority = authorityFor(endpoint);
  // MSAL wraps whatever a policy throws in its own errors: keep ours to rethrow it by its code.
  let refused: DeviceError | undefined;
  const remember = (error: DeviceError) => {
    refused = error;
  };
  const inner = new UsernamePasswordCredential(ADFS_TENANT, ARM_CLIENT_ID, ARM_USER, password, {
    authorityHost: authority,
    disableInstanceDiscovery: true,
    // One quick retry here: the callers' own retries (withRetry, the queue) back off longer.
    retryOptions: { maxRetries: 1, retryDelayInMs: 200 },
    additionalPolicies: [
      { policy: agentPolicy(agent), position: "perCall" },
      { policy: discoveryGuardPolicy(device, endpoint, remember), position: "perRetry" },
      { policy: hostGuardPolicy(`device ${device}: token service`, deviceTokenPrefixes(endpoint), remember), position: "perRetry" },
    ],
  });
  // Parallel reads of one device ask for a token at once: share one request to the token
  // service instead of one each (MSAL caches the token only once it has it).
  const pending = new Map<string, Promise<AccessToken | null>>();
  const fetchToken = (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> => {
    const key = ([] as string[]).concat(scopes).join(" ");
    let request = pending.get(key);
    if (!request) {
      request = inner.getToken(scopes, options).finally(() => pending.delete(key));
      pending.set(key, request);
    }
    return request;
  };
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        return await fetchToken(scopes, options);
      } catch (err) {
        if (refused) throw refused;
        if ((err as Error).name !== "CredentialUnavailableError") throw err;
        const code = await probe(`${authority}/.well-known/openid-configuration`, agent);
        if (code && TLS_CODES.test(code)) {
          throw new DeviceError(
            "TLS_FAILED",
            `token service ${new URL(authority).host}: TLS verification failed (${code}); set ASE_GITOPS_DEVICE_CA to the device's CA certificate`,
            false,
          );
        }
        if (code) throw new DeviceError("NETWORK_ERROR", `token service ${new URL(authority).host} unreachable (${code})`, true);
        throw err;
      }
    },
  };
}
