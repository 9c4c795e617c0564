/**
 * Pieces of the zod schemas the rooms check their workers' and peers'
 * answers with (common/worker.ts checkAnswer): what the Python children
 * print the same way (versions, settings, thread pools), a field they may
 * leave out or send as None, and an object whose type kdlab's own code owns.
 */
import { z } from "zod";

/** A flat key → value record a peer prints (its settings). */
export const scalarsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** A peer's package versions, each as a string. */
export const versionsSchema = scalarsSchema.transform((versions) => Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, String(v)])));

/** The thread pools a framework ran with. */
export const threadsSchema = z.object({ intraOp: z.number(), interOp: z.number() });

/** A field a Python child may leave out or send as None: undefined either way. */
export function omittable<S extends z.ZodType>(schema: S) {
  return schema.nullish().transform((value) => value ?? undefined).optional();
}

/** An object of a type kdlab's own code defines and checks where it is used (an optimizer config): checked here only to be an object. */
export function objectOf<T>() {
  return z.custom<T>((value) => typeof value === "object" && value !== null);
}
