/** Regenerates schemas/edge-device.schema.json from the zod schema (`npm run schema`). */
import { writeFileSync } from "node:fs";
import { renderEdgeDeviceJsonSchema } from "../shared/manifest/json-schema.js";

writeFileSync(new URL("../schemas/edge-device.schema.json", import.meta.url), renderEdgeDeviceJsonSchema());
console.log("wrote schemas/edge-device.schema.json");
