/**
 * Issue 9 item 2: the password grant goes only to the device's own token service. A device
 * whose ADFS discovery document names a token_endpoint elsewhere is refused with
 * TOKEN_ENDPOINT_NOT_ALLOWED, and the stranger named there never hears from the controller.
 * Real simulator, real HTTPS, a real stranger's server (trusted, so TLS is not what saves us).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { tokenEndpointProblem } from "../../shared/adapters/device/host-guard.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { type RecordingServer, startRecordingServer } from "../helpers/recording-https.js";
import { at, manifest, testEnv } from "../simulator/fixtures.js";

let stranger: RecordingServer;
let hostile: Simulator;
let honest: Simulator;
beforeAll(async () => {
  stranger = await startRecordingServer();
  hostile = await startSimulator({
    manifests: [manifest("dev")],
    password: "s3cret-device-password",
    hostile: { origin: stranger.origin, discovery: true },
  });
  honest = await startSimulator({ manifests: [manifest("dev")], password: "s3cret-device-password" });
});
afterAll(async () => {
  await Promise.all([hostile.close(), honest.close(), stranger.close()]);
});

const envFor = (sim: Simulator) =>
  testEnv(sim, {
    DEVICE_PASSWORD: "s3cret-device-password",
    ASE_GITOPS_DEVICE_CA: `${sim.caPem}\n${stranger.caPem}`,
    ASE_GITOPS_RETRY_ATTEMPTS: "1",
  });

describe("ADFS discovery (issue 9, item 2)", () => {
  it("a discovery document naming a foreign token_endpoint is refused, and the password stays home", async () => {
    const observed = await observeFleet([{ manifest: at(hostile, manifest("dev")), file: "dev.yaml" }], deviceSettingsFromEnv(envFor(hostile)));
    const error = observed.errors.dev;
    expect(error).toMatchObject({ code: "TOKEN_ENDPOINT_NOT_ALLOWED", transient: false });
    expect(error!.message).toContain(new URL(stranger.origin).host);
    expect(error!.message.split("\n")).toHaveLength(1);
    expect(stranger.requests).toEqual([]);
    expect(hostile.device("dev").tokens.size).toBe(0);
  });

  it("the device's own discovery document still works", async () => {
    const before = stranger.requests.length;
    const observed = await observeFleet([{ manifest: at(honest, manifest("dev")), file: "dev.yaml" }], deviceSettingsFromEnv(envFor(honest)));
    expect(observed.errors).toEqual({});
    expect(observed.devices.dev).toBeDefined();
    expect(stranger.requests.length).toBe(before);
  });

  it("the rule: the login./management. pair of a real device, or the simulated device's own prefix", () => {
    const real = "https://management.dev1.contoso.com";
    expect(tokenEndpointProblem(real, "https://login.dev1.contoso.com/adfs/oauth2/token/")).toBeUndefined();
    expect(tokenEndpointProblem(real, "https://LOGIN.dev1.contoso.com:443/adfs/oauth2/token")).toBeUndefined();
    expect(tokenEndpointProblem(real, "https://login.dev2.contoso.com/adfs/oauth2/token/")).toMatch(/login\.dev2\.contoso\.com/);
    expect(tokenEndpointProblem(real, "https://login.dev1.contoso.com.evil.example/adfs/oauth2/token")).toBeDefined();
    expect(tokenEndpointProblem(real, "https://login.dev1.contoso.com:8443/adfs/oauth2/token")).toBeDefined();
    expect(tokenEndpointProblem(real, "http://login.dev1.contoso.com/adfs/oauth2/token")).toBeDefined();
    expect(tokenEndpointProblem(real, "https://user@login.dev1.contoso.com/adfs/oauth2/token")).toBeDefined();
    expect(tokenEndpointProblem(real, "https://login.dev1.contoso.com/adfs/../evil/token")).toBeDefined();
    const sim = "https://127.0.0.1:8443/devices/dev1";
    expect(tokenEndpointProblem(sim, "https://127.0.0.1:8443/devices/dev1/adfs/oauth2/token/")).toBeUndefined();
    expect(tokenEndpointProblem(sim, "https://127.0.0.1:8443/devices/dev2/adfs/oauth2/token/")).toBeDefined();
    expect(tokenEndpointProblem(sim, "https://127.0.0.1:8443/devices/dev1x/adfs/oauth2/token/")).toBeDefined();
    expect(tokenEndpointProblem(sim, "not a url")).toBeDefined();
  });
});
