/**
 * spec.dataBoxEdge: the Kubernetes role, updates and GPU capacity through the device's cloud
 * resource (the simulator's /cloud prefix) with an Azure AD client-credentials token, while
 * VMs and deployments stay on the device's local ARM with its ADFS token. Real SDK clients,
 * real HTTPS.
 */
import { afterEach, describe, expect, it } from "vitest";
import { applyFleet, deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { API, at, manifest, rawRequest, restSession, testEnv } from "../simulator/fixtures.js";

const CLOUD_SUB = "99999999-8888-4777-8666-555555555555";
const CLOUD_RG = "edge-cloud";
const CLOUD_NAME = "dev-resource";
const cloudPath = `/cloud/subscriptions/${CLOUD_SUB}/resourceGroups/${CLOUD_RG}/providers/Microsoft.DataBoxEdge/dataBoxEdgeDevices/${CLOUD_NAME}`;

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function withCloud(m: EdgeDevice, endpoint = "https://management.azure.com"): EdgeDevice {
  return { ...m, spec: { ...m.spec, dataBoxEdge: { subscriptionId: CLOUD_SUB, resourceGroup: CLOUD_RG, name: CLOUD_NAME, endpoint } } };
}

async function start(m: EdgeDevice) {
  sim = await startSimulator({ manifests: [withCloud(m)], targetRelease: "2110" });
  const target = { manifest: withCloud(at(sim, m), sim.cloudEndpoint), file: "dev.yaml" };
  const env = testEnv(sim, {
    ASE_GITOPS_CLOUD_TENANT_ID: "contoso",
    ASE_GITOPS_CLOUD_CLIENT_ID: "simulator",
    ASE_GITOPS_CLOUD_CLIENT_SECRET: "simulator",
    ASE_GITOPS_CLOUD_AUTHORITY_HOST: sim.cloudAuthorityHost,
  });
  return { sim, target, env };
}

const dbeRequests = (s: Simulator) => s.requests.filter((r) => /microsoft\.databoxedge/i.test(r.path));

describe("manifest", () => {
  it("spec.dataBoxEdge is optional, strict, and defaults the endpoint", () => {
    const base = manifest("dev");
    expect(EdgeDevice.parse(base).spec.dataBoxEdge).toBeUndefined();
    const parsed = EdgeDevice.parse({ ...base, spec: { ...base.spec, dataBoxEdge: { subscriptionId: CLOUD_SUB, resourceGroup: CLOUD_RG } } });
    expect(parsed.spec.dataBoxEdge).toEqual({ subscriptionId: CLOUD_SUB, resourceGroup: CLOUD_RG, endpoint: "https://management.azure.com" });
    expect(
      EdgeDevice.safeParse({ ...base, spec: { ...base.spec, dataBoxEdge: { subscriptionId: CLOUD_SUB, resourceGroup: CLOUD_RG, typo: 1 } } }).success,
    ).toBe(false);
    expect(EdgeDevice.safeParse({ ...base, spec: { ...base.spec, dataBoxEdge: { resourceGroup: CLOUD_RG } } }).success).toBe(false);
    expect(
      EdgeDevice.safeParse({
        ...base,
        spec: { ...base.spec, dataBoxEdge: { subscriptionId: CLOUD_SUB, resourceGroup: CLOUD_RG, endpoint: "http://x" } },
      }).success,
    ).toBe(false);
  });
});

describe("spec.dataBoxEdge: the cloud resource", () => {
  it("apply configures Kubernetes and observe reads roles, capacity and version through the cloud routes", async () => {
    const m = manifest("dev", { gpus: 1, vms: [{ name: "vm1" }], kubernetes: true, softwareVersion: "2106" });
    const { sim, target, env } = await start(m);
    const settings = deviceSettingsFromEnv(env);
    const results = await applyFleet([target], settings, { plan: (i, o) => planDevice(i, o) });
    expect(results[0]).toMatchObject({ status: "converged" });
    expect(results[0]!.plan!.steps.map((s) => s.action)).toEqual(["createVm", "installGpuExtension", "configureKubernetes"]);
    expect(sim.requests.some((r) => r.method === "PUT" && r.path === `${cloudPath}/roles/kubernetes` && r.status === 201)).toBe(true);
    // The Azure AD token came from the cloud token service (what MSAL fetches for that authority).
    expect(sim.requests.filter((r) => r.path.startsWith("/cloud-login/")).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(["GET /cloud-login/contoso/v2.0/.well-known/openid-configuration", "POST /cloud-login/contoso/oauth2/v2.0/token"]),
    );

    sim.requests.length = 0;
    const observed = await observeFleet([target], settings);
    expect(observed.errors).toEqual({});
    expect(observed.devices.dev).toMatchObject({
      softwareVersion: "2106",
      kubernetes: { configured: true, gpus: 0 },
      virtualMachines: [{ name: "vm1", powerState: "running", gpuExtension: "succeeded", managed: true }],
    });
    const paths = sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        `GET ${cloudPath}/roles 200`,
        `GET ${cloudPath}/deviceCapacityInfo/default 200`,
        `GET ${cloudPath}/updateSummary/default 200`,
      ]),
    );
    // Every DataBoxEdge call went to the cloud prefix; VMs stayed on the device's ARM.
    expect(dbeRequests(sim).every((r) => r.path.startsWith("/cloud/"))).toBe(true);
    expect(sim.requests.some((r) => r.path.endsWith("/virtualMachines") && r.status === 200 && !r.path.startsWith("/cloud"))).toBe(true);
    expect(sim.claims("dev").kubernetes.configured).toBe(true);
  });

  it("software updates go through the cloud resource", async () => {
    const m = manifest("dev", { gpus: 2, softwareVersion: "2110" });
    const { sim, target, env } = await start(m);
    sim.setClaims("dev", { ...sim.claims("dev"), softwareVersion: "2106" });
    const results = await applyFleet([target], deviceSettingsFromEnv(env), { plan: (i, o) => planDevice(i, o) });
    expect(results[0]).toMatchObject({ status: "converged" });
    expect(sim.claims("dev").softwareVersion).toBe("2110");
    const posts = sim.requests.filter((r) => r.method === "POST" && r.status === 202).map((r) => r.path);
    expect(posts).toEqual(expect.arrayContaining([`${cloudPath}/downloadUpdates`, `${cloudPath}/installUpdates`]));
    expect(dbeRequests(sim).every((r) => r.path.startsWith("/cloud/"))).toBe(true);
  });

  it("ADFS tokens are refused on /cloud, cloud tokens on the device's ARM", async () => {
    const { sim } = await start(manifest("dev"));
    const adfs = await restSession(sim, "dev");
    expect(adfs.token).toBeTruthy();
    const onCloud = await rawRequest(sim, "GET", `${sim.origin}${cloudPath}/roles?api-version=${API.dbe}`, undefined, {
      Authorization: `Bearer ${adfs.token}`,
    });
    expect(onCloud.status).toBe(401);
    expect(onCloud.body.error.code).toBe("InvalidAuthenticationToken");
    expect((await rawRequest(sim, "GET", `${sim.origin}${cloudPath}/roles?api-version=${API.dbe}`)).status).toBe(401);

    const login = await rawRequest(
      sim,
      "POST",
      `${sim.cloudAuthorityHost}/contoso/oauth2/v2.0/token`,
      new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "simulator",
        client_secret: "simulator",
        scope: `${sim.cloudEndpoint}/.default`,
      }).toString(),
    );
    expect(login.status).toBe(200);
    const cloudToken = login.body.access_token as string;
    const wrong = await rawRequest(
      sim,
      "POST",
      `${sim.cloudAuthorityHost}/contoso/oauth2/v2.0/token`,
      new URLSearchParams({ grant_type: "client_credentials", client_id: "simulator", client_secret: "nope", scope: "x/.default" }).toString(),
    );
    expect(wrong.status).toBe(401);

    const cloudOk = await rawRequest(sim, "GET", `${sim.origin}${cloudPath}/roles?api-version=${API.dbe}`, undefined, {
      Authorization: `Bearer ${cloudToken}`,
    });
    expect(cloudOk.status).toBe(200);
    const onDevice = await rawRequest(sim, "GET", `${sim.devices.dev}${adfs.dbePath}/roles?api-version=${API.dbe}`, undefined, {
      Authorization: `Bearer ${cloudToken}`,
    });
    expect(onDevice.status).toBe(401);
    // The cloud resource is found by its cloud name, subscription and resource group only.
    const wrongGroup = await rawRequest(
      sim,
      "GET",
      `${sim.origin}${cloudPath.replace(CLOUD_RG, "other-rg")}/roles?api-version=${API.dbe}`,
      undefined,
      { Authorization: `Bearer ${cloudToken}` },
    );
    expect(wrongGroup.status).toBe(404);
  });

  it("a wrong client secret is a terminal authentication failure", async () => {
    const { target, env } = await start(manifest("dev"));
    const observed = await observeFleet([target], deviceSettingsFromEnv({ ...env, ASE_GITOPS_CLOUD_CLIENT_SECRET: "wrong" }));
    expect(observed.errors.dev).toMatchObject({ code: "AUTHENTICATION_FAILED", transient: false });
    expect(observed.errors.dev!.message).toMatch(/AADSTS7000215/);
  });

  it("a cloud endpoint outside the allow-list is refused before any request", async () => {
    const { sim, target, env } = await start(manifest("dev", { kubernetes: true }));
    const outside = withCloud(target.manifest, "https://management.azure.com");
    const settings = deviceSettingsFromEnv(env);
    const observed = await observeFleet([{ manifest: outside, file: "dev.yaml" }], settings);
    expect(observed.errors.dev).toMatchObject({ code: "ENDPOINT_NOT_ALLOWED", transient: false });
    expect(observed.errors.dev!.message).toMatch(/management\.azure\.com/);
    const results = await applyFleet([{ manifest: outside, file: "dev.yaml" }], settings, { plan: (i, o) => planDevice(i, o) });
    expect(results[0]).toMatchObject({ status: "refused", error: { code: "ENDPOINT_NOT_ALLOWED" } });
    expect(sim.requests).toEqual([]);
    expect(sim.device("dev").tokens.size).toBe(0);
  });

  it("half a service principal is reported by setting name", async () => {
    const { sim, target, env } = await start(manifest("dev"));
    const observed = await observeFleet([target], deviceSettingsFromEnv({ ...env, ASE_GITOPS_CLOUD_CLIENT_SECRET: "" }));
    expect(observed.errors.dev).toMatchObject({ code: "MISSING_CREDENTIAL", transient: false });
    expect(observed.errors.dev!.message).toMatch(/ASE_GITOPS_CLOUD_CLIENT_SECRET/);
    expect(dbeRequests(sim)).toEqual([]);
  });
});
