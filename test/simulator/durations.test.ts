/** Real operation durations, scaled: how long operations run, Retry-After, and DeploymentActive. */
import { afterEach, describe, expect, it } from "vitest";
import { createOperationClock, DEFAULT_DURATIONS_SEC, parseDurationSpec, timeScaleFromEnv } from "../../simulator/durations.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { manifest, restSession } from "./fixtures.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("operation durations", () => {
  it("defaults to a real device's durations and keeps their ratios at any scale", () => {
    const real = createOperationClock(1);
    expect(real.durationMs("createVm")).toBe(18 * 60_000);
    expect(real.durationMs("installGpuExtension")).toBe(10 * 60_000);
    expect(real.durationMs("configureKubernetes")).toBe(25 * 60_000);
    expect(real.durationMs("downloadUpdates") + real.durationMs("installUpdates")).toBe(85 * 60_000);
    const fast = createOperationClock(0.001, { createVm: 600 });
    expect(fast.durationMs("createVm")).toBeCloseTo(600, 6);
    expect(fast.durationMs("configureKubernetes") / fast.durationMs("installGpuExtension")).toBeCloseTo(
      DEFAULT_DURATIONS_SEC.configureKubernetes / DEFAULT_DURATIONS_SEC.installGpuExtension,
      6,
    );
  });

  it("reads the scale from ASE_GITOPS_SIM_TIME_SCALE and refuses a bad one or an unknown kind", () => {
    expect(timeScaleFromEnv({ ASE_GITOPS_SIM_TIME_SCALE: "0.01" })).toBe(0.01);
    expect(timeScaleFromEnv({})).toBe(1);
    expect(() => timeScaleFromEnv({ ASE_GITOPS_SIM_TIME_SCALE: "fast" })).toThrow(/positive number/);
    expect(parseDurationSpec("createVm=60")).toEqual(["createVm", 60]);
    expect(() => parseDurationSpec("bakeBread=60")).toThrow(/unknown operation kind bakeBread/);
    expect(() => parseDurationSpec("createVm")).toThrow(/KIND=SECONDS/);
  });

  it("runs a VM create for its scaled duration, with Retry-After = remaining time (capped), and refuses a second PUT with 409 DeploymentActive", async () => {
    // createVm = 4000 s at scale 0.0005: 2 s; the cap keeps Retry-After at most 1 s.
    sim = await startSimulator({
      manifests: [manifest("dev", { vms: [{ name: "vm1" }] })],
      timeScale: 0.0005,
      durations: { createVm: 4000 },
      lroRetryAfterMaxSec: 1,
    });
    const s = await restSession(sim, "dev");
    const started = Date.now();
    const put = await s.putVmDeployment("vm1");
    expect(put.status).toBe(201);
    expect(Number(put.headers["retry-after"])).toBe(1);
    const again = await s.putVmDeployment("vm1");
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("DeploymentActive");
    const status = await s.call("GET", new URL(put.headers["azure-asyncoperation"] as string).pathname.replace(/^\/devices\/dev/, ""), "2019-10-01");
    expect(status.body.status).toBe("InProgress");
    expect(status.headers["retry-after"]).toBe("1");
    expect(sim.device("dev").vms.size).toBe(0);
    const done = await s.wait(put);
    expect(done.status).toBe("Succeeded");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(sim.device("dev").vms.size).toBe(1);
    // Finished: the same deployment may be PUT again (incremental, idempotent).
    expect((await s.putVmDeployment("vm1")).status).toBe(201);
  });

  it("sends the remaining whole seconds as Retry-After while below the cap", async () => {
    sim = await startSimulator({ manifests: [manifest("dev")], timeScale: 1, durations: { createVm: 30 } });
    const s = await restSession(sim, "dev");
    const put = await s.putVmDeployment("vm1");
    const seconds = Number(put.headers["retry-after"]);
    expect(seconds).toBeGreaterThanOrEqual(28);
    expect(seconds).toBeLessThanOrEqual(30);
  });
});
