/** Regenerates the JSON Schemas in schemas/ from the zod schemas (`npm run schema`). */
import { writeFileSync } from "node:fs";
import { renderEdgeDeviceJsonSchema, renderRolloutPolicyJsonSchema } from "../shared/core/manifest/json-schema.js";

writeFileSync(new URL("../schemas/edge-device.schema.json", import.meta.url), renderEdgeDeviceJsonSchema());
writeFileSync(new URL("../schemas/rollout-policy.schema.json", import.meta.url), renderRolloutPolicyJsonSchema());
console.log("wrote schemas/edge-device.schema.json and schemas/rollout-policy.schema.json");
