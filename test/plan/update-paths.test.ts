/**
 * Issue 12 item 6 (domain.md §8): one updateSoftware step per mandatory intermediate release,
 * UPDATE_PATH_UNKNOWN with the known path, multi-node devices stop at 2510, the reclaim risk
 * per stop window; and through the simulator, a device walks the hops one install at a time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { updatePath } from "../../shared/core/claims/update-paths.js";
import { applyFleet, deviceSettingsFromEnv } from "../../shared/composition/device.js";
import type { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { at, manifest as simManifest, testEnv } from "../simulator/fixtures.js";
import { T4, errorCodes, manifest, observed, warningCodes } from "./fixtures.js";

const seen = (softwareVersion: string, extra: object = {}) => observed({ softwareVersion, ...extra });
const updates = (p: ReturnType<typeof planDevice>) => p.steps.filter((s) => s.action === "updateSoftware").map((s) => s.version);
const planWith = (
  spec: { softwareVersion: string; nodes?: 1 | 2; kubernetes?: boolean; vms?: Array<{ name: string; size: string }> },
  obs: ObservedDevice,
) => {
  const m = manifest({ softwareVersion: spec.softwareVersion, kubernetes: spec.kubernetes, vms: spec.vms });
  return planDevice({ manifest: { ...m, spec: { ...m.spec, ...(spec.nodes ? { nodes: spec.nodes } : {}) } }, file: "devices/dev-1.yaml" }, obs);
};

describe("update paths", () => {
  it("2403 -> 2607 goes 2403 -> 2501 -> 2510 -> 2607, one step per hop", () => {
    expect(updatePath("2403", "2607")).toEqual({ ok: true, hops: ["2501", "2510", "2607"] });
    const p = planWith({ softwareVersion: "2607" }, seen("2403"));
    expect(p.feasible).toBe(true);
    expect(updates(p)).toEqual(["2501", "2510", "2607"]);
  });

  it("hops only where the table needs them", () => {
    expect(updatePath("2604", "2607")).toEqual({ ok: true, hops: ["2607"] });
    expect(updatePath("2501", "2604")).toEqual({ ok: true, hops: ["2510", "2604"] });
    expect(updatePath("2303", "2510")).toEqual({ ok: true, hops: ["2403", "2501", "2510"] });
    // Older releases were not gated by the notes: one direct step, as before.
    expect(updatePath("2106", "2110")).toEqual({ ok: true, hops: ["2110"] });
    expect(updates(planWith({ softwareVersion: "2110" }, seen("2106")))).toEqual(["2110"]);
  });

  it("UPDATE_PATH_UNKNOWN names the known path", () => {
    const p = planWith({ softwareVersion: "2612" }, seen("2510"));
    expect(errorCodes(p)).toEqual(["UPDATE_PATH_UNKNOWN"]);
    expect(p.errors[0]!.message).toBe("no known update path from 2510 to 2612: release 2612 is not in the table of mandatory intermediate releases");
    expect(p.errors[0]!.hint).toBe("Name a release on the known path of mandatory updates: 2403 -> 2501 -> 2510 -> 2607.");
  });

  it("UPDATE_NOT_SUPPORTED_MULTI_NODE: a 2-node device stops at 2510", () => {
    const p = planWith({ softwareVersion: "2604", nodes: 2 }, seen("2501"));
    expect(errorCodes(p)).toEqual(["UPDATE_NOT_SUPPORTED_MULTI_NODE"]);
    expect(p.errors[0]!.hint).toMatch(/2510 or earlier/);
    expect(updates(planWith({ softwareVersion: "2510", nodes: 2 }, seen("2403")))).toEqual(["2501", "2510"]);
  });

  it("KUBERNETES_RECLAIM_RISK for every stop window while Kubernetes is configured", () => {
    const p = planWith(
      { softwareVersion: "2607", kubernetes: true, vms: [{ name: "gpu", size: T4 }] },
      seen("2403", {
        kubernetes: { configured: true, gpus: 0 },
        virtualMachines: [{ name: "gpu", size: T4, powerState: "running", gpuExtension: "succeeded" }],
      }),
    );
    expect(p.feasible).toBe(true);
    expect(warningCodes(p).filter((c) => c === "KUBERNETES_RECLAIM_RISK")).toHaveLength(3);
    expect(p.warnings.map((w) => w.message).filter((m) => m.startsWith("the update"))).toEqual([
      expect.stringMatching(/^the update 2403 -> 2501 stops gpu /),
      expect.stringMatching(/^the update 2501 -> 2510 stops gpu /),
      expect.stringMatching(/^the update 2510 -> 2607 stops gpu /),
    ]);
  });
});

describe("update paths through the simulator", () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("a 2403 device reaches 2607 in three installs, each hop verified", async () => {
    const m = simManifest("dev", { gpus: 1, softwareVersion: "2607" });
    sim = await startSimulator({
      manifests: [m],
      observed: { devices: { dev: { softwareVersion: "2403", kubernetes: { configured: false, gpus: 0 }, virtualMachines: [] } } },
    });
    const results = await applyFleet([{ manifest: at(sim, m), file: "dev.yaml" }], deviceSettingsFromEnv(testEnv(sim)), {
      plan: (input, o) => planDevice(input, o),
    });
    expect(results[0]).toMatchObject({ status: "converged", stepsDone: 3 });
    expect(results[0]!.plan!.steps).toEqual([
      { action: "updateSoftware", version: "2501" },
      { action: "updateSoftware", version: "2510" },
      { action: "updateSoftware", version: "2607" },
    ]);
    expect(sim.claims("dev").softwareVersion).toBe("2607");
    const installs = sim.requests.filter((r) => r.method === "POST" && /installupdates/i.test(r.path) && r.status < 300);
    expect(installs.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe("custom sizes (issue 12 item 5, static table)", () => {
  it("Custom_NonGPU, Custom_GPU_T4_v3 and Custom_GPU_A2 are accepted, GPU custom sizes holding 1 GPU of their model", () => {
    const p = planDevice({
      manifest: manifest({
        gpus: 1,
        vms: [
          { name: "c", size: "Custom_NonGPU" },
          { name: "g", size: "Custom_GPU_T4_v3" },
        ],
      }),
      file: "d.yaml",
    });
    expect(p.feasible).toBe(true);
    expect(p.gpus.after.vms).toEqual({ g: 1 });
    expect(p.steps.map((s) => s.action)).toEqual(["createVm", "createVm", "installGpuExtension"]);
    const mismatch = planDevice({ manifest: manifest({ gpus: 1, model: "T4", vms: [{ name: "g", size: "Custom_GPU_A2" }] }), file: "d.yaml" });
    expect(errorCodes(mismatch)).toEqual(["GPU_MODEL_MISMATCH"]);
  });
});
