/** The device operation an apply waits on, as the device lock records it (journaled, checked later). */
import { z } from "zod";

export const PendingOperation = z.object({
  ref: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("deployment"), name: z.string().min(1), url: z.string().url().optional() }),
    z.object({ kind: z.literal("async"), url: z.string().url(), what: z.string() }),
  ]),
  /** The plan step it belongs to, and which part of it (updateSoftware: download, install). */
  action: z.string(),
  vm: z.string().optional(),
  phase: z.string().optional(),
  commit: z.string(),
  startedAt: z.string(),
});

export type PendingOperation = z.infer<typeof PendingOperation>;
