/**
 * One measurement in a fresh process (so heap and RSS belong to it alone):
 *   floor DIR  read every manifest and parse it with the yaml package, nothing else
 *   plan DIR   load, validate and plan the fleet, render the contract JSON
 * Prints {"ms": wall time of the work, "maxRssMiB": peak resident set}.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { loadFleet } from "../shared/core/manifest/load.js";
import { planFleet } from "../shared/core/plan/planner.js";
import { renderJson } from "../shared/core/plan/render-json.js";

async function floor(root: string): Promise<number> {
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".yaml")).sort();
  let documents = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const text = await readFile(join(root, files[next++]!), "utf8");
      for (const doc of parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        doc.toJS();
        documents++;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return documents;
}

async function plan(root: string): Promise<number> {
  const fleet = await loadFleet(root);
  const result = planFleet(fleet, { devices: {} });
  return renderJson(result).length;
}

const [mode, root] = process.argv.slice(2);
const started = performance.now();
const output = mode === "floor" ? await floor(root!) : await plan(root!);
const ms = performance.now() - started;
console.log(JSON.stringify({ mode, ms, output, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
