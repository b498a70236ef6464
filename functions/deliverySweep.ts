/** Timer: forgets webhook delivery ids older than a week (the dedupe table's TTL). */
import { app, type InvocationContext, type Timer } from "@azure/functions";
import type { DeliveryLog } from "../shared/ports/delivery-log.js";
import { processRuntime } from "../shared/composition/runtime.js";

export const DELIVERY_TTL_MS = 7 * 24 * 3600 * 1000;

export function createSweepHandler(deliveries: () => DeliveryLog, now: () => Date = () => new Date()) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const deleted = await deliveries().sweep(new Date(now().getTime() - DELIVERY_TTL_MS));
    context.log(`deliverySweep: forgot ${deleted} delivery ids`);
  };
}

app.timer("deliverySweep", {
  schedule: "0 17 3 * * *",
  handler: createSweepHandler(() => processRuntime().deliveries),
});
