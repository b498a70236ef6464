/** Allow-list, credentials, api-version rewriting and error translation with the real SDK clients. */
import { ComputeManagementClient } from "@azure/arm-compute";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowedEndpoint, parseAllowList } from "../../shared/core/trust/allow-list.js";
import { authorityFor } from "../../shared/adapters/device/credential.js";
import { createDeviceCredential } from "../../shared/adapters/device/credential.js";
import { DeviceError, translateError } from "../../shared/adapters/device/errors.js";
import { agentPolicy, createDeviceAgent } from "../../shared/adapters/device/http.js";
import { applyFleet, deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { withRetry } from "../../shared/use-cases/observe-device/retry.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { RG, SUBSCRIPTION, at, manifest, testEnv } from "../simulator/fixtures.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ manifests: [manifest("dev", { vms: [{ name: "vm1" }] })] });
});
afterAll(() => sim.close());

const target = () => ({ manifest: at(sim, manifest("dev", { vms: [{ name: "vm1" }] })), file: "dev.yaml" });

describe("endpoint allow-list", () => {
  it("matches host names and *.domain patterns, port ignored", () => {
    const allow = parseAllowList("management.dev1.contoso.com, *.edge.example.org, https://10.0.0.5:8443");
    expect(isAllowedEndpoint("https://management.dev1.contoso.com:443/", allow)).toBe(true);
    expect(isAllowedEndpoint("https://management.dev2.contoso.com/", allow)).toBe(false);
    expect(isAllowedEndpoint("https://management.x.edge.example.org/", allow)).toBe(true);
    expect(isAllowedEndpoint("https://edge.example.org/", allow)).toBe(false);
    expect(isAllowedEndpoint("https://evil.com/?x=.edge.example.org", allow)).toBe(false);
    expect(isAllowedEndpoint("https://10.0.0.5/devices/a", allow)).toBe(true);
    expect(isAllowedEndpoint("https://anything/", parseAllowList(""))).toBe(false);
  });

  it("derives the ADFS authority of a real device and of a simulated one", () => {
    expect(authorityFor("https://management.dev1.contoso.com")).toBe("https://login.dev1.contoso.com/adfs");
    expect(authorityFor("https://127.0.0.1:8443/devices/dev1/")).toBe("https://127.0.0.1:8443/devices/dev1/adfs");
  });

  it("refuses a device outside the list before any credential is sent", async () => {
    const before = sim.requests.length;
    const settings = deviceSettingsFromEnv(testEnv(sim, { ASE_GITOPS_ALLOWED_ENDPOINTS: "*.contoso.com" }));
    const results = await applyFleet([target()], settings, { plan: (i, o) => planDevice(i, o) });
    expect(results[0]).toMatchObject({ status: "refused", error: { code: "ENDPOINT_NOT_ALLOWED" } });
    const observed = await observeFleet([target()], settings);
    expect(observed.errors.dev!.code).toBe("ENDPOINT_NOT_ALLOWED");
    expect(sim.requests.length).toBe(before);
    expect(sim.device("dev").tokens.size).toBe(0);
  });

  it("reports a missing credential setting with its name", async () => {
    const settings = deviceSettingsFromEnv({ ...testEnv(sim), DEVICE_PASSWORD: "" });
    const observed = await observeFleet([target()], settings);
    expect(observed.errors.dev).toMatchObject({ code: "MISSING_CREDENTIAL", transient: false });
    expect(observed.errors.dev!.message).toMatch(/DEVICE_PASSWORD/);
  });
});

describe("authentication and TLS", () => {
  it("a wrong password is a terminal authentication failure", async () => {
    const observed = await observeFleet([target()], deviceSettingsFromEnv(testEnv(sim, { DEVICE_PASSWORD: "wrong" })));
    expect(observed.errors.dev).toMatchObject({ code: "AUTHENTICATION_FAILED", transient: false });
  });

  it("without the device CA the TLS handshake fails: verification is never turned off", async () => {
    const env = testEnv(sim);
    delete (env as Record<string, string | undefined>).ASE_GITOPS_DEVICE_CA;
    const observed = await observeFleet([target()], deviceSettingsFromEnv(env));
    expect(observed.errors.dev!.code).toBe("TLS_FAILED");
  });

  it("a bad bearer token gets ARM's 401, translated to UNAUTHORIZED", async () => {
    const agent = createDeviceAgent(sim.caPem);
    const forged = { getToken: async () => ({ token: "forged", expiresOnTimestamp: Date.now() + 3600_000 }) };
    const client = new ComputeManagementClient(forged, SUBSCRIPTION, {
      endpoint: sim.devices.dev!,
      additionalPolicies: [{ policy: agentPolicy(agent), position: "perCall" }],
      retryOptions: { maxRetries: 0 },
    });
    const error = await client.virtualMachines.get(RG, "vm1").then(
      () => undefined,
      (err: unknown) => translateError(err),
    );
    expect(error).toMatchObject({ code: "UNAUTHORIZED", transient: false, details: { status: 401, providerCode: "InvalidAuthenticationToken" } });
  });
});

describe("api-version", () => {
  it("the unmodified arm-compute client is refused by the device; the rewrite policy fixes it", async () => {
    const agent = createDeviceAgent(sim.caPem);
    const endpoint = sim.devices.dev!;
    const credential = createDeviceCredential(endpoint, "simulator", agent);
    const raw = new ComputeManagementClient(credential, SUBSCRIPTION, {
      endpoint,
      credentials: { scopes: [`${endpoint}/.default`] },
      additionalPolicies: [{ policy: agentPolicy(agent), position: "perCall" }],
      retryOptions: { maxRetries: 0 },
    });
    const error = await (async () => {
      for await (const _ of raw.virtualMachines.list(RG)) {
        /* drain */
      }
    })().then(
      () => undefined,
      (err: unknown) => translateError(err),
    );
    expect(error).toBeInstanceOf(DeviceError);
    expect(error).toMatchObject({
      code: "UNSUPPORTED_API_VERSION",
      transient: false,
      details: { status: 400, providerCode: "NoRegisteredProviderFound" },
    });
    const observed = await observeFleet([target()], deviceSettingsFromEnv(testEnv(sim)));
    expect(observed.errors).toEqual({});
    expect(sim.requests.some((r) => r.path.endsWith("/virtualMachines") && r.status === 200)).toBe(true);
  });
});

describe("retry", () => {
  // Ports reject with DeviceErrors (translatingPort): the provider errors arrive translated.
  it("honours Retry-After, backs off on other transient errors, stops on terminal ones", async () => {
    const delays: number[] = [];
    const throttled = Object.assign(new Error("throttled"), {
      statusCode: 429,
      response: { status: 429, headers: { get: (n: string) => (n === "retry-after" ? "7" : undefined) } },
    });
    let calls = 0;
    const value = await withRetry(
      "x",
      async () => {
        calls++;
        if (calls === 1) throw translateError(throttled);
        if (calls === 2) throw translateError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
        return "ok";
      },
      { attempts: 5, baseDelayMs: 100, maxDelayMs: 60_000, sleep: async (ms) => void delays.push(ms), random: () => 1 },
    );
    expect(value).toBe("ok");
    expect(delays).toEqual([7000, 200]);
    await expect(
      withRetry(
        "y",
        async () => {
          throw translateError(Object.assign(new Error("nope"), { code: "NoGpuAvailable" }));
        },
        { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ code: "NO_GPU_AVAILABLE", transient: false });
  });
});

describe("Kubernetes role states", () => {
  it("a role still Creating or Updating is in progress, never configured", async () => {
    const { kubernetesRoleState } = await import("../../shared/adapters/device/arm-port.js");
    expect(kubernetesRoleState("Creating")).toEqual({ configured: false, inProgress: true });
    expect(kubernetesRoleState("Updating")).toEqual({ configured: false, inProgress: true });
    expect(kubernetesRoleState("Created")).toEqual({ configured: true, inProgress: false });
    expect(kubernetesRoleState("Failed")).toEqual({ configured: false, inProgress: false });
    const device = sim.device("dev");
    const before = device.role;
    device.role = { name: "kubernetes", provisioningState: "Creating", hostPlatform: "Linux" };
    try {
      const observed = await observeFleet([target()], deviceSettingsFromEnv(testEnv(sim)));
      expect(observed.devices.dev!.kubernetes.configured).toBe(false);
    } finally {
      device.role = before;
    }
  });
});
