/** What every side of the bench reports about a network it built: its parameter counts, which must be kdlab's for its numbers to compare. */
import { z } from "zod";

export const paramCountSchema = z.object({
  trainable: z.number(),
  /** Trainable + non-trainable weights + BatchNorm moving statistics. */
  total: z.number(),
});
export type ParamCount = z.infer<typeof paramCountSchema>;
