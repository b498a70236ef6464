// Mutation runs (vitest.mutation.config.ts) run every covering test once per mutant: fewer
// fast-check runs keep that within minutes; the normal suite keeps its full run counts.
import fc from "fast-check";

fc.configureGlobal({ numRuns: 40 });
process.env.ASE_GITOPS_PROPERTY_RUNS = "150";
