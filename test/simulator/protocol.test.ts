/** Tokens, api-versions, error shapes and faults of the simulator's HTTPS front. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { API, RG, SUBSCRIPTION, manifest, rawRequest, restSession } from "./fixtures.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ manifests: [manifest("dev", { vms: [{ name: "x" }] }), manifest("other")] });
});
afterAll(() => sim.close());

const vmsPath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines`;

describe("simulator protocol", () => {
  it("serves OpenID discovery for the ADFS authority", async () => {
    const reply = await rawRequest(sim, "GET", `${sim.devices.dev}/adfs/.well-known/openid-configuration`);
    expect(reply.body.token_endpoint).toBe(`${sim.devices.dev}/adfs/oauth2/token/`);
  });

  it("refuses a wrong password with an ADFS error", async () => {
    const s = await restSession(sim, "dev", "wrong");
    expect(s.tokenReply.status).toBe(400);
    expect(s.tokenReply.body.error).toBe("invalid_grant");
  });

  it("answers 401 in ARM's shape without a token, with a bad token, an expired one, or another device's", async () => {
    const none = await rawRequest(sim, "GET", `${sim.devices.dev}${vmsPath}?api-version=2017-12-01`);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("AuthenticationFailed");
    const bad = await rawRequest(sim, "GET", `${sim.devices.dev}${vmsPath}?api-version=2017-12-01`, undefined, { Authorization: "Bearer forged" });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("InvalidAuthenticationToken");
    const other = await restSession(sim, "other");
    const cross = await rawRequest(sim, "GET", `${sim.devices.dev}${vmsPath}?api-version=2017-12-01`, undefined, {
      Authorization: `Bearer ${other.token}`,
    });
    expect(cross.status).toBe(401);
    const s = await restSession(sim, "dev");
    expect((await s.call("GET", vmsPath, API.compute)).status).toBe(200);
    sim.expireTokens("dev");
    const expired = await s.call("GET", vmsPath, API.compute);
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe("ExpiredAuthenticationToken");
  });

  it("refuses api-versions the device does not serve, like ARM", async () => {
    const s = await restSession(sim, "dev");
    const compute = await s.call("GET", vmsPath, "2024-07-01");
    expect(compute.status).toBe(400);
    expect(compute.body.error.code).toBe("NoRegisteredProviderFound");
    expect(compute.body.error.message).toMatch(/2017-12-01/);
    const rg = await s.call("GET", `/subscriptions/${SUBSCRIPTION}/resourcegroups`, "2024-03-01");
    expect(rg.body.error.code).toBe("InvalidApiVersionParameter");
    expect((await s.call("GET", vmsPath, "2017-03-30")).status).toBe(200);
    const missing = await rawRequest(sim, "GET", `${sim.devices.dev}${vmsPath}`, undefined, { Authorization: `Bearer ${s.token}` });
    expect(missing.body.error.code).toBe("MissingApiVersionParameter");
  });

  it("refuses a template whose resources use an unserved api-version", async () => {
    const s = await restSession(sim, "dev");
    const reply = await s.call("PUT", `${s.rgPath}/providers/Microsoft.Resources/deployments/bad`, API.resources, {
      properties: {
        mode: "Incremental",
        template: { resources: [{ type: "Microsoft.Compute/virtualMachines", apiVersion: "2023-03-01", name: "v", properties: {} }] },
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("InvalidTemplateDeployment");
    expect(reply.body.error.details[0].code).toBe("NoRegisteredProviderFound");
  });

  it("lists subscriptions, resource groups, images and the ASEVNET network", async () => {
    const s = await restSession(sim, "dev");
    expect((await s.call("GET", "/subscriptions", "2020-06-01")).body.value[0].displayName).toBe("Default Provider Subscription");
    const groups = (await s.call("GET", `/subscriptions/${SUBSCRIPTION}/resourcegroups`, "2019-10-01")).body.value.map(
      (g: { name: string }) => g.name,
    );
    expect(groups).toEqual(expect.arrayContaining(["ASERG", RG]));
    expect((await s.call("GET", `${s.rgPath}/providers/Microsoft.Compute/images`, API.compute)).body.value[0].name).toBe("ubuntu1804");
    const vnet = await s.call(
      "GET",
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/ASERG/providers/Microsoft.Network/virtualNetworks/ASEVNET`,
      API.network,
    );
    expect(vnet.body.properties.subnets[0].name).toBe("ASEVNETsubNet");
  });

  it("re-PUTting a succeeded deployment is idempotent: one VM, one NIC, one deployment", async () => {
    const s = await restSession(sim, "dev");
    await s.createVm("idem");
    await s.createVm("idem");
    const d = sim.device("dev");
    expect([...d.vms.keys()].filter((k) => k === "idem")).toHaveLength(1);
    expect([...d.nics.keys()].filter((k) => k.endsWith("/idem-nic"))).toHaveLength(1);
    expect([...d.deployments.keys()].filter((k) => k.endsWith("/vm-idem"))).toHaveLength(1);
  });
});

describe("fault injection", () => {
  it("injects 429 with Retry-After, 500s and resets, seeded", async () => {
    const faulty = await startSimulator({ manifests: [manifest("dev")], faults: "429:0.3,500:0.3,reset:0.2", seed: 7, throttleRetryAfterSec: 2 });
    try {
      const s = await restSession(faulty, "dev");
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const reply = await s
          .call("GET", vmsPath, API.compute)
          .catch((err: NodeJS.ErrnoException) => ({ status: -1, headers: {} as Record<string, string | string[] | undefined>, body: err.code }));
        if (reply.status === 429) expect(reply.headers["retry-after"]).toBe("2");
        seen.add(String(reply.status));
      }
      expect(seen).toEqual(new Set(["200", "429", "500", "-1"]));
    } finally {
      await faulty.close();
    }
  });

  it("rejects a bad fault spec", async () => {
    await expect(startSimulator({ manifests: [manifest("dev")], faults: "teapot:0.1" })).rejects.toThrow(/unknown fault/);
  });
});
