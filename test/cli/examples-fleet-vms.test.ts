/**
 * examples/fleet-vms stays valid: usable VMs (SSH key files, a Windows password credential,
 * static IPs, cloud-init, login: none) and update paths (a multi-hop update, a 2-node device
 * held at 2510), planned by the CLI against its observed state.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("examples/fleet-vms", () => {
  it("plans feasibly: three hops to 2607, the VMs created after them", () => {
    const run = runCli(["plan", "examples/fleet-vms", "--observed", "examples/fleet-vms/observed.json", "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.summary).toEqual({ devices: 2, feasible: 2, infeasible: 0, steps: 9 });
    const [kiosk, lab] = plan.devices;
    expect(kiosk.steps).toEqual([
      { action: "updateSoftware", version: "2501" },
      { action: "updateSoftware", version: "2510" },
      { action: "updateSoftware", version: "2607" },
      { action: "createVm", vm: "web-01" },
      { action: "createVm", vm: "infer-01" },
      { action: "installGpuExtension", vm: "infer-01" },
      { action: "createVm", vm: "pos-01" },
    ]);
    expect(lab.steps).toEqual([
      { action: "updateSoftware", version: "2510" },
      { action: "createVm", vm: "appliance" },
    ]);
    expect([...kiosk.errors, ...lab.errors, ...lab.warnings]).toEqual([]);
    // infer-01 keeps the Ubuntu 18.04 GPU extension, which Microsoft deprecated: said, not hidden.
    expect(kiosk.warnings.map((w: { code: string }) => w.code)).toEqual(["GPU_EXTENSION_DEPRECATED"]);
  });

  it("the Markdown plan shows each hop and no key, password or cloud-init text", () => {
    const run = runCli(["plan", "examples/fleet-vms", "--observed", "examples/fleet-vms/observed.json"]);
    expect(run.status).toBe(0);
    for (const hop of ["2501", "2510", "2607"]) expect(run.stdout).toContain(`Update the device software to ${hop}`);
    expect(run.stdout).not.toMatch(/AAAAC3Nza|AAAAB3Nza|nginx|DEVICE_KIOSK010_POS_ADMIN=/);
  });
});
