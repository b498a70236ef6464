import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { renderEdgeDeviceJsonSchema, renderRolloutPolicyJsonSchema } from "../../shared/core/manifest/json-schema.js";

describe("schemas/edge-device.schema.json", () => {
  it("is in sync with the zod schema (run `npm run schema` after changing it)", async () => {
    const checkedIn = await readFile(new URL("../../schemas/edge-device.schema.json", import.meta.url), "utf8");
    expect(checkedIn).toBe(renderEdgeDeviceJsonSchema());
  });

  it("forbids unknown fields and requires what the contract requires", () => {
    const schema = JSON.parse(renderEdgeDeviceJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(schema.properties.spec.required).toEqual(["gpu"]);
    const vm = schema.properties.spec.properties.virtualMachines.items;
    expect(vm.required).toEqual(["name", "size", "image"]);
    expect(vm.additionalProperties).toBe(false);
  });
});

describe("schemas/rollout-policy.schema.json", () => {
  it("is in sync with the zod schema (run `npm run schema` after changing it)", async () => {
    const checkedIn = await readFile(new URL("../../schemas/rollout-policy.schema.json", import.meta.url), "utf8");
    expect(checkedIn).toBe(renderRolloutPolicyJsonSchema());
  });

  it("requires waves and forbids unknown fields", () => {
    const schema = JSON.parse(renderRolloutPolicyJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.spec.required).toEqual(["waves"]);
    expect(schema.properties.spec.properties.waves.items.additionalProperties).toBe(false);
  });
});
