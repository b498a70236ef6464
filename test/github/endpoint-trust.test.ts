/** Which devices a pull-request plan may contact: only what the default branch says. */
import { describe, expect, it } from "vitest";
import { decideObservation } from "../../shared/core/trust/endpoint-trust.js";
import { type FleetLoad, parseManifestText } from "../../shared/core/manifest/load.js";

const device = (extra = "", endpoint = "https://management.dev-1.contoso.com") => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata: { name: dev-1 }
spec:
  gpu: { count: 1 }
  arm:
    endpoint: ${endpoint}
    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11
    resourceGroup: gpu-vms
    credential: DEVICE_DEV1_ARM
${extra}`;

const cloud = (endpoint?: string) =>
  `  dataBoxEdge:\n    subscriptionId: 8d0a6b55-1e43-4f7a-b2c9-6a9e3d1f0b22\n    resourceGroup: edge\n${endpoint ? `    endpoint: ${endpoint}\n` : ""}`;

const load = (text: string): FleetLoad => parseManifestText(text, "dev-1.yaml");
const decide = (pr: string, main: string) => decideObservation(load(pr).devices, load(main), ["*.contoso.com", "management.azure.com"]);

describe("endpoint trust for pull-request plans", () => {
  it("observes a device whose endpoints the pull request leaves alone", () => {
    expect(decide(device(cloud()), device(cloud())).targets.map((t) => t.name)).toEqual(["dev-1"]);
  });

  it("does not contact a device whose ARM endpoint the pull request changes", () => {
    expect(decide(device("", "https://management.evil.contoso.com"), device()).unobserved).toEqual([{ name: "dev-1", reason: "endpoint-changed" }]);
  });

  it("does not contact a device whose cloud DataBoxEdge endpoint the pull request adds or changes", () => {
    expect(decide(device(cloud()), device()).unobserved).toEqual([{ name: "dev-1", reason: "endpoint-changed" }]);
    expect(decide(device(cloud("https://management.evil.com")), device(cloud())).unobserved).toEqual([{ name: "dev-1", reason: "endpoint-changed" }]);
  });

  it("does not contact a device new in the pull request", () => {
    expect(decide(device(), "").unobserved).toEqual([{ name: "dev-1", reason: "new-device" }]);
  });
});
