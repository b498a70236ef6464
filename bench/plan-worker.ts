/**
 * One measurement in a fresh process (so heap and RSS belong to it alone):
 *   read DIR     read every manifest, nothing else
 *   js-yaml DIR  read every manifest and parse it with js-yaml (core schema): the fast floor
 *   floor DIR    read every manifest and parse it with the yaml package (the positional floor)
 *   plan DIR   load, validate and plan the fleet, render the contract JSON
 * Prints {"ms": wall time of the work, "maxRssMiB": peak resident set}.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { CORE_SCHEMA, loadAll } from "js-yaml";
import { parseAllDocuments } from "yaml";
import { loadFleet } from "../shared/adapters/git/fleet-folder.js";
import { planFleet } from "../shared/core/plan/planner.js";
import { renderJson } from "../shared/core/plan/render-json.js";

const PARSERS: Record<string, (text: string) => number> = {
  read: (text) => text.length,
  "js-yaml": (text) => loadAll(text, { schema: CORE_SCHEMA, json: false }).length,
  floor: (text) => {
    let documents = 0;
    for (const doc of parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[]) {
      doc.toJS();
      documents++;
    }
    return documents;
  },
};

async function floor(root: string, parse: (text: string) => number): Promise<number> {
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".yaml")).sort();
  let documents = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const text = await readFile(join(root, files[next++]!), "utf8");
      documents += parse(text);
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
const parser = PARSERS[mode!];
const output = parser ? await floor(root!, parser) : await plan(root!);
const ms = performance.now() - started;
console.log(JSON.stringify({ mode, ms, output, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
