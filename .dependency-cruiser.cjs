/**
 * Import boundaries of the layered layout (docs/design.md "Layers"). Run:
 *   npx depcruise --config .dependency-cruiser.cjs shared functions runtime simulator devtools bin
 *
 * Inward only: functions/ and shared/cli/ -> shared/composition/ -> {use cases, adapters}
 * -> ports -> core; entry points may also call use cases, ports and core directly. Type-only
 * imports count (tsPreCompilationDeps): a use case that names an adapter's type depends on
 * that adapter.
 */
const LAYERS = {
  core: "^shared/core/",
  ports: "^shared/ports/",
  useCases: "^shared/use-cases/",
  adapters: "^shared/adapters/",
  composition: "^shared/composition/",
  cli: "^shared/cli/",
  functions: "^functions/",
  outer: "^(runtime|simulator|devtools|test|bench|scripts|bin)/",
};
/** Node modules that reach the world (the core may hash, join paths and parse URLs). */
const IO_BUILTINS =
  "^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|dns/promises|child_process|os|readline|readline/promises|worker_threads|cluster|inspector|v8|vm|process|timers|timers/promises)$";
/** The SDKs; only adapters wrap them. */
const SDKS = "(^|/)node_modules/(@azure|@octokit|simple-git|commander|cron-parser|selfsigned)/";
const any = (...names) => names.map((n) => `(${LAYERS[n]})`).join("|");

const cyclesWithin = Object.entries({ core: LAYERS.core, ports: LAYERS.ports, "use-cases": LAYERS.useCases, adapters: LAYERS.adapters }).map(
  ([name, path]) => ({
    name: `no-cycle-through-${name}`,
    comment: `a cycle from ${name} that leaves ${name}: some import runs back up`,
    severity: "error",
    from: { path },
    to: { circular: true, viaSomeNot: path },
  }),
);

module.exports = {
  forbidden: [
    {
      name: "core-is-innermost",
      comment: "the pure core imports no other layer (ports included: ports import the core, not the reverse)",
      severity: "error",
      from: { path: LAYERS.core },
      to: { path: any("ports", "useCases", "adapters", "composition", "cli", "functions", "outer") },
    },
    {
      name: "core-has-no-io",
      comment: "the core does no I/O: no fs, network, processes, clock-driven timers",
      severity: "error",
      from: { path: LAYERS.core },
      to: { dependencyTypes: ["core"], path: IO_BUILTINS },
    },
    {
      name: "core-has-no-sdk",
      comment: "the core uses zod and yaml only",
      severity: "error",
      from: { path: LAYERS.core },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: "(^|/)node_modules/(zod|yaml|js-yaml)/",
      },
    },
    {
      name: "ports-import-only-core",
      comment: "ports are interfaces over core types: nothing else, no SDK, no node module",
      severity: "error",
      from: { path: LAYERS.ports },
      to: { pathNot: `${LAYERS.core}|${LAYERS.ports}` },
    },
    {
      name: "use-cases-not-adapters",
      comment: "use cases orchestrate through ports; adapters come in through their deps",
      severity: "error",
      from: { path: LAYERS.useCases },
      to: { path: any("adapters", "composition", "cli", "functions", "outer") },
    },
    {
      name: "use-cases-have-no-sdk",
      comment: "SDK calls belong in an adapter",
      severity: "error",
      from: { path: LAYERS.useCases },
      to: { path: SDKS },
    },
    {
      name: "adapters-not-use-cases",
      comment: "an adapter implements a port; it never calls back into a use case or the composition root",
      severity: "error",
      from: { path: LAYERS.adapters },
      to: { path: any("useCases", "composition", "cli", "functions", "outer") },
    },
    {
      name: "adapters-not-each-other",
      comment: "each adapter wraps one provider; they meet only in the composition root",
      severity: "error",
      from: { path: "^shared/adapters/([^/]+)/" },
      to: { path: "^shared/adapters/", pathNot: "^shared/adapters/$1/" },
    },
    {
      name: "composition-not-outer",
      comment: "the composition root wires shared/; it does not import the hosts around it",
      severity: "error",
      from: { path: LAYERS.composition },
      to: { path: any("cli", "functions", "outer") },
    },
    {
      name: "functions-are-thin",
      comment: "a function file imports the composition root, use cases, ports and core (and @azure/functions)",
      severity: "error",
      from: { path: LAYERS.functions },
      to: { path: "^shared/", pathNot: any("composition", "useCases", "ports", "core") },
    },
    {
      name: "functions-have-no-sdk",
      comment: "only @azure/functions; other SDKs are adapters",
      severity: "error",
      from: { path: LAYERS.functions },
      to: { path: SDKS, pathNot: "(^|/)node_modules/@azure/functions/" },
    },
    {
      name: "cli-not-adapters",
      comment:
        "the CLI is an entry point like functions/: it gets adapters from the composition root (commander, and the simulator for `ase-gitops simulate`, are its own)",
      severity: "error",
      from: { path: LAYERS.cli },
      to: { path: `${LAYERS.adapters}|${LAYERS.functions}|^(runtime|devtools|test|bench|scripts)/` },
    },
    {
      name: "shared-not-hosts",
      comment: "the product never imports the hosts, tools or tests around it",
      severity: "error",
      from: { path: "^shared/", pathNot: LAYERS.cli },
      to: { path: `${LAYERS.functions}|${LAYERS.outer}` },
    },
    ...cyclesWithin,
    {
      name: "not-to-unresolvable",
      comment: "an import that does not resolve (a file the layer move missed)",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|\\.cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.test.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json"],
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
