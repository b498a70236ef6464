import { parseManifestText } from "../shared/manifest/load.js";
import { YAML_SHAPES } from "../test/helpers/yaml-shapes.js";
const bytes = Number(process.argv[2] ?? 1024 * 1024);
const only = process.argv[3];
for (const [name, shape] of Object.entries(YAML_SHAPES)) {
  if (only && !name.includes(only)) continue;
  const text = shape(bytes);
  const t = performance.now();
  let r;
  try { r = parseManifestText(text, "x.yaml"); } catch (e) { console.log(name, "THREW", (e as Error).message.slice(0, 80)); continue; }
  console.log(`${name}: ${text.length} B, ${(performance.now() - t).toFixed(0)} ms, devices ${r.devices.length}, invalid ${r.invalid.length}, errors ${r.invalid.reduce((n, i) => n + i.errors.length, 0)}; ${r.invalid[0]?.errors[0]?.message.slice(0, 80)}`);
}
