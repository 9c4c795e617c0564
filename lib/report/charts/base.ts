/**
 * What every chart builder shares: the Vega-Lite schema, the Okabe–Ito
 * palette (distinguishable with the common colour-vision deficiencies), a
 * row type for inline data, and input checks that name the builder and the
 * bad value instead of letting Vega silently drop it.
 */

import type { VegaLiteSpec } from "../svg";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Okabe & Ito (2008), colour-blind-safe qualitative palette. */
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"] as const;

/** Neutral grey for reference lines (chance, perfect calibration). */
export const REFERENCE_GREY = "#7f7f7f";

export type Row = Record<string, string | number | boolean | null>;

/** Title of a chart: a main line and an optional subtitle. */
export interface ChartTitleOptions {
  title?: string;
  subtitle?: string;
}

export function titleOf(defaultTitle: string, options: ChartTitleOptions): string | { text: string; subtitle: string } {
  const text = options.title ?? defaultTitle;
  return options.subtitle ? { text, subtitle: options.subtitle } : text;
}

export function palette(count: number): string[] {
  return Array.from({ length: count }, (_, i) => OKABE_ITO[i % OKABE_ITO.length]);
}

export function checkFinite(value: unknown, builder: string, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`${builder}: ${what} must be a finite number, got ${String(value)}`);
  return value;
}

/** A finite number in [0, 1] (rates, fractions, probabilities). */
export function checkFraction(value: unknown, builder: string, what: string): number {
  const number = checkFinite(value, builder, what);
  if (number < 0 || number > 1) throw new Error(`${builder}: ${what} must lie in [0, 1], got ${number}`);
  return number;
}

export function checkCount(value: unknown, builder: string, what: string): number {
  const number = checkFinite(value, builder, what);
  if (number < 0 || !Number.isInteger(number)) throw new Error(`${builder}: ${what} must be a non-negative integer, got ${number}`);
  return number;
}

export function checkNonEmpty<T>(items: readonly T[], builder: string, what: string): void {
  if (items.length === 0) throw new Error(`${builder}: ${what} is empty; there is nothing to draw`);
}

/** Series names are legend entries and colour keys: they must be distinct. */
export function checkDistinct(names: readonly string[], builder: string, what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${builder}: two ${what} are both named "${name}"; legend entries must be distinct`);
    seen.add(name);
  }
}

/**
 * The builders assemble specs as plain objects; vega-lite's own types are too
 * deep to build against field by field. Every builder's output is compiled by
 * vega-lite in the tests, which is the check that matters.
 */
export function asSpec(spec: Record<string, unknown>): VegaLiteSpec {
  return spec as unknown as VegaLiteSpec;
}
