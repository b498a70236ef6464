/**
 * Issue 9 item 3: every device client and the DataBoxEdge cloud client refuse, before it is
 * sent, a request to a host other than the one their credential was issued for. A device
 * that points nextLink, Azure-AsyncOperation or Location at a stranger gets FOREIGN_HOST_REFUSED:
 * the stranger never sees the bearer token, and its "Succeeded" is never believed.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { withDevice } from "../../shared/use-cases/observe-device/with-device.js";
import type { DeviceError } from "../../shared/adapters/device/errors.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import type { SimulatorOptions } from "../../simulator/index.js";
import { type RecordingServer, startRecordingServer } from "../helpers/recording-https.js";
import { at, manifest, testEnv } from "../simulator/fixtures.js";

const CLOUD_SUB = "99999999-8888-4777-8666-555555555555";

let stranger: RecordingServer;
let sim: Simulator | undefined;
beforeAll(async () => {
  stranger = await startRecordingServer();
});
afterAll(() => stranger.close());
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  stranger.requests.length = 0;
});

async function hostileDevice(hostile: Omit<NonNullable<SimulatorOptions["hostile"]>, "origin">, m: EdgeDevice = manifest("dev")) {
  sim = await startSimulator({ manifests: [m], hostile: { origin: stranger.origin, ...hostile } });
  const env = testEnv(sim, {
    ASE_GITOPS_DEVICE_CA: `${sim.caPem}\n${stranger.caPem}`,
    ASE_GITOPS_RETRY_ATTEMPTS: "1",
    ASE_GITOPS_CLOUD_TENANT_ID: "contoso",
    ASE_GITOPS_CLOUD_CLIENT_ID: "simulator",
    ASE_GITOPS_CLOUD_CLIENT_SECRET: "simulator",
    ASE_GITOPS_CLOUD_AUTHORITY_HOST: sim.cloudAuthorityHost,
  });
  return { sim, settings: deviceSettingsFromEnv(env) };
}

const refusal = (err: unknown) => err as DeviceError;

describe("one host per credential (issue 9, item 3)", () => {
  it("a nextLink to a stranger is not followed: observe fails, no token leaves", async () => {
    const { sim, settings } = await hostileDevice({ nextLink: true });
    const observed = await observeFleet([{ manifest: at(sim, manifest("dev")), file: "dev.yaml" }], settings);
    expect(observed.errors.dev).toMatchObject({ code: "FOREIGN_HOST_REFUSED", transient: false });
    expect(observed.errors.dev!.message).toContain(new URL(stranger.origin).host);
    expect(stranger.requests).toEqual([]);
  });

  it("an Azure-AsyncOperation/Location at a stranger is not polled, and its Succeeded is not believed", async () => {
    const { sim, settings } = await hostileDevice({ operations: true });
    const error = await withDevice(settings, at(sim, manifest("dev")), ({ port }) => port.configureKubernetes()).then(() => undefined, refusal);
    expect(error).toMatchObject({ code: "FOREIGN_HOST_REFUSED", transient: false });
    expect(stranger.requests).toEqual([]);
  });

  it("a template deployment whose operation points at a stranger fails, the token stays home", async () => {
    const { sim, settings } = await hostileDevice({ operations: true });
    const error = await withDevice(settings, at(sim, manifest("dev")), ({ port }) =>
      port.deploy(
        "probe",
        { $schema: "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#", contentVersion: "1.0.0.0", resources: [] },
        {},
      ),
    ).then(() => undefined, refusal);
    expect(error).toMatchObject({ code: "FOREIGN_HOST_REFUSED" });
    expect(stranger.requests).toEqual([]);
  });

  it("the DataBoxEdge cloud client refuses a stranger's operation link too", async () => {
    const base = manifest("dev");
    const cloud = (m: EdgeDevice, endpoint: string): EdgeDevice => ({
      ...m,
      spec: { ...m.spec, dataBoxEdge: { subscriptionId: CLOUD_SUB, resourceGroup: "edge-cloud", name: "dev", endpoint } },
    });
    const { sim, settings } = await hostileDevice({ operations: true }, cloud(base, "https://management.azure.com"));
    const target = cloud(at(sim, base), sim.cloudEndpoint);
    const error = await withDevice(settings, target, ({ port }) => port.configureKubernetes()).then(() => undefined, refusal);
    expect(error).toMatchObject({ code: "FOREIGN_HOST_REFUSED" });
    expect(error!.message).toContain(new URL(stranger.origin).host);
    expect(stranger.requests).toEqual([]);
    // The request did reach the cloud route (and its own host), then stopped at the link.
    expect(sim.requests.some((r) => r.path.startsWith("/cloud/") && r.method === "PUT")).toBe(true);
  });
});
