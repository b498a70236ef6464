// The unit tests of the pure core, for mutation testing (`npm run mutation`): fast, no
// servers, so Stryker can run them once per mutant.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/claims/**/*.test.ts", "test/plan/**/*.test.ts", "test/rollout/*.test.ts", "test/drift/classify.test.ts"],
    exclude: ["test/rollout/rollout-plan.test.ts"],
    setupFiles: ["test/mutation-setup.ts"],
    testTimeout: 60_000,
  },
});
