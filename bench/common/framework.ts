/**
 * What names a row of a bench result: a framework, which is a kdlab variant
 * ("kdlab", "kdlab-compiled", common/variants.ts) or a peer's configuration
 * ("keras", "keras (kdlab's oneDNN)": speed/peer-configs.ts), and the suffix
 * that marks a bf16 row.
 */

/** "kdlab" (eager), other kdlab variants ("kdlab-compiled"), or a peer's configuration ("keras", "keras (kdlab's oneDNN)"). */
export type Framework = string;

/**
 * Rows in bf16 mixed precision carry this after the framework's name
 * ("kdlab-compiled (bf16)", "keras (bf16)"): ratios compare bf16 only with
 * bf16 and float32 only with float32, since bf16 changes the numbers.
 */
export const BF16_SUFFIX = " (bf16)";

export function isBf16Framework(framework: Framework): boolean {
  return framework.endsWith(BF16_SUFFIX);
}

/** Frameworks that are kdlab's own (their names start with "kdlab"). */
export function isKdlabFramework(framework: Framework): boolean {
  return framework === "kdlab" || framework.startsWith("kdlab-");
}
