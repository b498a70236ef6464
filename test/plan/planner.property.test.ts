/**
 * Property tests over random devices and observed states: a feasible plan, executed step by
 * step on the claim model, always succeeds and converges; no plan claims more GPUs than the
 * device has; an infeasible plan always says why.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as claims from "../../shared/core/claims/model.js";
import type { ClaimResult, ClaimState } from "../../shared/core/claims/model.js";
import { gpusOfSize } from "../../shared/core/claims/sizes.js";
import { EdgeDevice } from "../../shared/core/manifest/schema.js";
import { desiredFromManifest } from "../../shared/core/plan/desired.js";
import { ObservedDevice } from "../../shared/core/plan/observed.js";
import { initialState, planDevice } from "../../shared/core/plan/planner.js";
import { STEP_ACTIONS, type DevicePlan, type GpuClaims } from "../../shared/core/plan/types.js";
import { vmOf } from "../../shared/core/plan/types.js";

const SIZES = [
  "Standard_NC4as_T4_v3",
  "Standard_NC8as_T4_v3",
  "Standard_NC32as_2T4_v1",
  "Standard_NC4as_A2",
  "Standard_NC32as_2A2_v1",
  "Standard_F4s_HPN_T4_v3",
  "Standard_D2_v2",
  "Standard_F8s",
];
const RELEASES = ["2011", "2012", "2101", "2103", "2106", "2110", "2205"];
const VM_NAMES = ["vm0", "vm1", "vm2", "vm3", "vm4"];

const osArb = fc.constantFrom(
  undefined,
  { type: "Linux", distro: "ubuntu", version: "18.04" },
  { type: "Linux", distro: "ubuntu", version: "22.04" },
  { type: "Windows", version: "2019" },
);

const desiredVmArb = fc.record({
  name: fc.constantFrom(...VM_NAMES),
  size: fc.constantFrom(...SIZES),
  image: fc.constant("img"),
  powerState: fc.constantFrom("running", "running", "deallocated"),
  gpuExtension: fc.constantFrom(undefined, true, false),
  os: osArb,
});

const manifestArb = fc
  .record({
    count: fc.constantFrom(1, 2),
    model: fc.constantFrom("T4", "T4", "A2"),
    softwareVersion: fc.constantFrom(undefined, ...RELEASES),
    enabled: fc.boolean(),
    allowReconfigure: fc.boolean(),
    // Mostly unique names; sometimes a duplicate on purpose.
    vms: fc.oneof(fc.uniqueArray(desiredVmArb, { maxLength: 4, selector: (vm) => vm.name }), fc.array(desiredVmArb, { maxLength: 3 })),
  })
  .map((d) =>
    EdgeDevice.parse({
      apiVersion: "ase-gitops/v1",
      kind: "EdgeDevice",
      metadata: { name: "dev" },
      spec: {
        gpu: { count: d.count, model: d.model },
        ...(d.softwareVersion ? { softwareVersion: d.softwareVersion } : {}),
        kubernetes: { enabled: d.enabled, allowReconfigure: d.allowReconfigure },
        virtualMachines: d.vms.map((vm) => Object.fromEntries(Object.entries(vm).filter(([, v]) => v !== undefined))),
      },
    }),
  );

const observedArb = fc
  .record({
    softwareVersion: fc.constantFrom(undefined, ...RELEASES),
    configured: fc.boolean(),
    gpus: fc.integer({ min: 0, max: 2 }),
    vms: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom(...VM_NAMES),
        size: fc.constantFrom(...SIZES),
        powerState: fc.constantFrom("running", "stopped", "deallocated"),
        gpuExtension: fc.constantFrom("succeeded", "failed", "creating", "none"),
        managed: fc.constantFrom(true, true, false),
      }),
      { maxLength: 4, selector: (vm) => vm.name },
    ),
  })
  .map((o) =>
    ObservedDevice.parse({
      ...(o.softwareVersion ? { softwareVersion: o.softwareVersion } : {}),
      kubernetes: { configured: o.configured, gpus: o.configured ? o.gpus : 0 },
      virtualMachines: o.vms,
    }),
  );

/**
 * Devices never report running VMs holding more GPUs than they have (stopped VMs and
 * Kubernetes can overlap: that is the reclaim of domain.md §2, and stays in).
 */
function physicallyPossible([manifest, observed]: [EdgeDevice, ObservedDevice | undefined]): boolean {
  const running = (observed?.virtualMachines ?? []).filter((vm) => vm.powerState === "running").reduce((sum, vm) => sum + gpusOfSize(vm.size), 0);
  return running <= manifest.spec.gpu.count;
}

const caseArb = fc.tuple(manifestArb, fc.option(observedArb, { nil: undefined })).filter(physicallyPossible);

/** Executes one step with the claim model's own operations, independently of the planner. */
function execute(state: ClaimState, step: DevicePlan["steps"][number], manifest: EdgeDevice): ClaimResult {
  const vm = vmOf(step) ?? "";
  const spec = manifest.spec.virtualMachines.find((v) => v.name === vmOf(step));
  switch (step.action) {
    case "deleteVm":
      return claims.deleteVm(state, vm);
    case "deallocateVm":
      return claims.deallocateVm(state, vm);
    case "removeKubernetes":
      return claims.removeKubernetes(state);
    case "updateSoftware":
      return claims.updateSoftware(state, manifest.spec.softwareVersion!);
    case "resizeVm":
      return claims.resizeVm(state, vm, spec!.size);
    case "startVm":
      return claims.startVm(state, vm);
    case "createVm":
      return claims.createVm(state, { name: vm, size: spec!.size, powerState: spec!.powerState });
    case "installGpuExtension":
      return claims.installGpuExtension(state, vm);
    case "configureKubernetes":
      return claims.configureKubernetes(state);
  }
}

function toObserved(state: ClaimState): ObservedDevice {
  return {
    softwareVersion: state.softwareVersion,
    kubernetes: { ...state.kubernetes },
    virtualMachines: state.vms.map((vm) => ({
      name: vm.name,
      size: vm.size,
      powerState: vm.powerState,
      gpuExtension: vm.gpuExtension,
      managed: vm.managed,
    })),
  };
}

function claimed(c: GpuClaims): number {
  return c.kubernetes + Object.values(c.vms).reduce((a, b) => a + b, 0);
}

// Mutation runs ask for fewer (test/mutation-setup.ts).
const RUNS = { numRuns: Number(process.env.ASE_GITOPS_PROPERTY_RUNS ?? 3000) };

describe("planner properties", () => {
  it("(a) a feasible plan, executed on the claim model, succeeds at every step and converges", () => {
    let feasible = 0;
    fc.assert(
      fc.property(caseArb, ([manifest, observed]) => {
        const plan = planDevice({ manifest, file: "dev.yaml" }, observed);
        if (!plan.feasible) return;
        feasible++;
        let state = initialState(desiredFromManifest(manifest), observed);
        for (const step of plan.steps) {
          const result = execute(state, step, manifest);
          if (!result.ok) throw new Error(`step ${step.action} ${vmOf(step) ?? ""} failed: ${result.reason}`);
          state = result.state;
        }
        const again = planDevice({ manifest, file: "dev.yaml" }, toObserved(state));
        expect(again.steps).toEqual([]);
        expect(again.feasible).toBe(true);
      }),
      RUNS,
    );
    // The property must not pass by finding nothing feasible to check.
    expect(feasible).toBeGreaterThan(RUNS.numRuns / 5);
  });

  it("the planner's own replay never finds a plan it built divergent", () => {
    fc.assert(
      fc.property(caseArb, ([manifest, observed]) => {
        const plan = planDevice({ manifest, file: "dev.yaml" }, observed);
        expect(plan.errors.map((e) => e.code)).not.toContain("PLAN_DOES_NOT_CONVERGE");
      }),
      RUNS,
    );
  });

  it("(b) no plan ever claims more GPUs than the device has", () => {
    fc.assert(
      fc.property(caseArb, ([manifest, observed]) => {
        const plan = planDevice({ manifest, file: "dev.yaml" }, observed);
        for (const c of [plan.gpus.before!, plan.gpus.after]) {
          expect(claimed(c) + c.free).toBe(plan.gpus.total);
          expect(Math.min(c.free, c.kubernetes, ...Object.values(c.vms))).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it("(c) an infeasible plan always carries at least one error code; a feasible one none", () => {
    fc.assert(
      fc.property(caseArb, ([manifest, observed]) => {
        const plan = planDevice({ manifest, file: "dev.yaml" }, observed);
        expect(plan.feasible).toBe(plan.errors.length === 0);
      }),
      RUNS,
    );
  });

  it("steps always come in the contract's order", () => {
    fc.assert(
      fc.property(caseArb, ([manifest, observed]) => {
        const plan = planDevice({ manifest, file: "dev.yaml" }, observed);
        // A createVm's own installGpuExtension follows it at once and ranks with it.
        const ranks = plan.steps.map((step, i) => {
          const previous = plan.steps[i - 1];
          const ownExtension = step.action === "installGpuExtension" && previous?.action === "createVm" && previous.vm === step.vm;
          return STEP_ACTIONS.indexOf(ownExtension ? "createVm" : step.action);
        });
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }),
      RUNS,
    );
  });
});
