/**
 * Plan jobs with the real device adapters against the device simulator: observed state is
 * read from default-branch endpoints only; a PR that moves an endpoint contacts nothing.
 */
import YAML from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../shared/composition/runtime.js";
import { PLAN_MARKER } from "../../shared/core/report/plan-comment.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { at, manifest, testEnv } from "../simulator/fixtures.js";
import { fleetRepo, type Harness, PullRequestDriver, startHarness } from "../helpers/plan-harness.js";
import type { TestRepo } from "../helpers/git-repos.js";

let harness: Harness;
let sim: Simulator;
const repos: TestRepo[] = [];

beforeAll(async () => {
  harness = await startHarness();
  sim = await startSimulator({
    manifests: [device({ gpus: 1, kubernetes: true })],
    // Kubernetes already holds the device's only GPU.
    observed: { devices: { "store-sim": { kubernetes: { configured: true, gpus: 1 }, virtualMachines: [] } } },
  });
});
afterAll(async () => {
  await Promise.all(repos.map((r) => r.dispose()));
  await sim?.close();
  await harness?.dispose();
});
afterEach(() => {
  expect(harness.github.unexpected).toEqual([]);
  harness.github.reset();
});

// The fixtures' subscription id is not a valid GUID for the manifest schema; use one that is.
const SUBSCRIPTION = "3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11";
const device = (options: Parameters<typeof manifest>[1]) => {
  const m = manifest("store-sim", options);
  return { ...m, spec: { ...m.spec, arm: { ...m.spec.arm!, subscriptionId: SUBSCRIPTION } } };
};
const yaml = (m: ReturnType<typeof manifest>) => YAML.stringify(m);
const deviceRequests = () => sim.requests.filter((r) => r.device === "store-sim").length;

async function driver(number: number): Promise<PullRequestDriver> {
  const onMain = at(sim, device({ gpus: 1, kubernetes: true }));
  const repo = await fleetRepo({ "devices/store-sim.yaml": yaml(onMain) });
  repos.push(repo);
  const runtime = createRuntime({ ...harness.env, ...testEnv(sim) }, { github: { spaceWrites: false, retryUnitMs: 5 } });
  return new PullRequestDriver(harness, repo, runtime, number);
}

describe("plan with observed state from the device", () => {
  it("reads the device at its default-branch endpoint: Kubernetes holding the GPU blocks a new GPU VM", async () => {
    const pr = await driver(501);
    const before = deviceRequests();
    const withVm = at(sim, device({ gpus: 1, kubernetes: true, vms: [{ name: "infer-01" }] }));
    await pr.pushAndPlan({ "devices/store-sim.yaml": yaml(withVm) }, "opened");
    expect(deviceRequests()).toBeGreaterThan(before);
    const run = harness.github.checkRuns.find((r) => r.name === "ase-gitops/plan")!;
    expect(run.conclusion).toBe("failure");
    expect(run.annotations.some((a) => a.title?.startsWith("KUBERNETES_HOLDS_GPU"))).toBe(true);
    const body = harness.github.comments.find((c) => c.body.includes(PLAN_MARKER))!.body;
    expect(body).toMatch(/Observed state read from 1 device/);
    expect(sim.claims("store-sim").vms).toEqual([]); // planning never changes a device
  });

  it("does not contact a device whose endpoint the pull request changes", async () => {
    const pr = await driver(502);
    const before = deviceRequests();
    const moved = device({ gpus: 1, kubernetes: true, vms: [{ name: "infer-01" }], endpoint: `${sim.origin}/devices/elsewhere` });
    await pr.pushAndPlan({ "devices/store-sim.yaml": yaml(moved) }, "opened");
    expect(deviceRequests()).toBe(before);
    expect(sim.requests.filter((r) => r.path.includes("elsewhere"))).toEqual([]);
    const run = harness.github.checkRuns.find((r) => r.name === "ase-gitops/plan")!;
    expect(run.conclusion).toBe("success"); // planned as new: VM first, then Kubernetes
    const body = harness.github.comments.find((c) => c.body.includes(PLAN_MARKER))!.body;
    expect(body).toMatch(/endpoint changed in this pull request: planned without contacting the new address/);
  });
});
