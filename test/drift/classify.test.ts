/** The pure classifier: unit cases and properties (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyDrift } from "../../shared/core/drift/classify.js";
import { DRIFT_CODES } from "../../shared/core/drift/codes.js";
import { decideRemediation } from "../../shared/core/drift/remediation.js";
import { desiredFromManifest } from "../../shared/core/plan/desired.js";
import type { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planDevice } from "../../shared/core/plan/planner.js";
import { manifest } from "../simulator/fixtures.js";
import { convergedObserved } from "./fixtures.js";

const SIZES = ["Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_D2_v2", "Standard_NC32as_2T4_v1"];

const scenario = fc.record({
  gpus: fc.constantFrom(1 as const, 2 as const),
  kubernetes: fc.boolean(),
  vms: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom("a", "b", "c"),
      size: fc.constantFrom(...SIZES),
      powerState: fc.constantFrom("running" as const, "deallocated" as const),
    }),
    { selector: (v) => v.name, maxLength: 3 },
  ),
  observedVms: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom("a", "b", "c", "x"),
      size: fc.constantFrom(...SIZES),
      powerState: fc.constantFrom("running" as const, "stopped" as const, "deallocated" as const),
      gpuExtension: fc.constantFrom("succeeded" as const, "failed" as const, "creating" as const, "none" as const),
      managed: fc.boolean(),
    }),
    { selector: (v) => v.name, maxLength: 4 },
  ),
  observedKubernetes: fc.record({ configured: fc.boolean(), gpus: fc.integer({ min: 0, max: 2 }) }),
  release: fc.option(fc.constantFrom("2110", "2205", "2303"), { nil: undefined }),
  observedRelease: fc.option(fc.constantFrom("2110", "2205", "2303"), { nil: undefined }),
});

describe("classifyDrift", () => {
  it("a device that matches its manifest has no drift", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const m = manifest("dev", { gpus: s.gpus, kubernetes: s.kubernetes, vms: s.vms, ...(s.release ? { softwareVersion: s.release } : {}) });
        const observed = convergedObserved(m);
        // Only GPU VMs that fit are a realistic converged state; skip overcommitted manifests.
        const plan = planDevice({ manifest: m, file: "m.yaml" }, observed);
        fc.pre(plan.feasible);
        expect(classifyDrift(desiredFromManifest(m), observed)).toEqual([]);
      }),
    );
  });

  it("no drift exactly when the planner has nothing to do and nothing differs; every item has a known code and a reason", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const m = manifest("dev", { gpus: s.gpus, kubernetes: s.kubernetes, vms: s.vms, ...(s.release ? { softwareVersion: s.release } : {}) });
        const observed: ObservedDevice = {
          ...(s.observedRelease ? { softwareVersion: s.observedRelease } : {}),
          kubernetes: s.observedKubernetes,
          virtualMachines: s.observedVms,
        };
        const items = classifyDrift(desiredFromManifest(m), observed);
        for (const item of items) {
          expect(DRIFT_CODES).toContain(item.code);
          expect(item.message.length).toBeGreaterThan(10);
        }
        const plan = planDevice({ manifest: m, file: "m.yaml" }, observed);
        // A plan with steps always means drift (the planner only acts on differences).
        if (plan.steps.length > 0) expect(items.length).toBeGreaterThan(0);
        // Classification is deterministic and sorted.
        expect(classifyDrift(desiredFromManifest(m), observed)).toEqual(items);
        const ranks = items.map((i) => DRIFT_CODES.indexOf(i.code));
        expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
      }),
      { numRuns: 300 },
    );
  });

  it("remediation is decided only for remediate devices with a safe plan", () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom("report" as const, "remediate" as const), (s, policy) => {
        const m = manifest("dev", { gpus: s.gpus, kubernetes: s.kubernetes, vms: s.vms });
        const observed: ObservedDevice = { kubernetes: s.observedKubernetes, virtualMachines: s.observedVms };
        const plan = planDevice({ manifest: m, file: "m.yaml" }, observed);
        const drifted = classifyDrift(desiredFromManifest(m), observed).length > 0;
        const decision = decideRemediation(policy, drifted, plan);
        if (decision.action === "remediate") {
          expect(policy).toBe("remediate");
          expect(plan.feasible).toBe(true);
          expect(plan.steps.length).toBeGreaterThan(0);
          expect(plan.steps.some((st) => st.action === "deleteVm" || st.action === "removeKubernetes")).toBe(false);
          expect(plan.warnings.some((w) => w.code === "KUBERNETES_RECLAIM_RISK")).toBe(false);
        }
        if (!drifted) expect(decision.action).toBe("none");
      }),
      { numRuns: 300 },
    );
  });

  it("names the reclaim: Kubernetes holding the GPU a deallocated GPU VM needs", () => {
    const m = manifest("dev", { gpus: 1, kubernetes: true, vms: [{ name: "vm1" }] });
    const items = classifyDrift(desiredFromManifest(m), {
      kubernetes: { configured: true, gpus: 1 },
      virtualMachines: [{ name: "vm1", size: "Standard_NC4as_T4_v3", powerState: "deallocated", gpuExtension: "succeeded", managed: true }],
    });
    expect(items.map((i) => i.code)).toEqual(["VM_POWER", "KUBERNETES_RECLAIMED_GPU"]);
    expect(items[1]!.message).toMatch(/cannot be started or created again until Kubernetes is reconfigured/);
  });

  it("a newer release than the manifest's is drift too, with advice to update the manifest", () => {
    const m = manifest("dev", { gpus: 1, softwareVersion: "2205" });
    const [item] = classifyDrift(desiredFromManifest(m), {
      softwareVersion: "2303",
      kubernetes: { configured: false, gpus: 0 },
      virtualMachines: [],
    });
    expect(item).toMatchObject({ code: "SOFTWARE_VERSION", expected: "2205", found: "2303" });
    expect(item!.message).toMatch(/never downgraded/);
  });
});
