/**
 * Reads a child process's parsed JSON answer field by field: each accessor
 * checks the type and throws naming the field's path (`keras peer.models[0].params`),
 * so an answer that changes shape fails where it differs, not deep inside a report.
 */
export type Json = unknown;

export class Reader {
  constructor(
    private readonly value: Json,
    private readonly where: string,
  ) {}

  private field(key: string): Json {
    if (typeof this.value !== "object" || this.value === null || Array.isArray(this.value)) throw new Error(`${this.where}: expected an object`);
    return (this.value as Record<string, Json>)[key];
  }

  has(key: string): boolean {
    return this.field(key) !== undefined && this.field(key) !== null;
  }

  child(key: string): Reader {
    return new Reader(this.field(key), `${this.where}.${key}`);
  }

  number(key: string): number {
    const v = this.field(key);
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${this.where}.${key}: expected a number, got ${JSON.stringify(v)}`);
    return v;
  }

  string(key: string): string {
    const v = this.field(key);
    if (typeof v !== "string") throw new Error(`${this.where}.${key}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  boolean(key: string): boolean {
    const v = this.field(key);
    if (typeof v !== "boolean") throw new Error(`${this.where}.${key}: expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  numbers(key: string): number[] {
    const v = this.field(key);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) throw new Error(`${this.where}.${key}: expected an array of numbers`);
    return v as number[];
  }

  list(key: string): Reader[] {
    const v = this.field(key);
    if (!Array.isArray(v)) throw new Error(`${this.where}.${key}: expected an array`);
    return v.map((item, i) => new Reader(item, `${this.where}.${key}[${i}]`));
  }

  scalars(key: string): Record<string, string | number | boolean> {
    const v = this.field(key);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${this.where}.${key}: expected an object`);
    const out: Record<string, string | number | boolean> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw new Error(`${this.where}.${key}.${k}: expected a string, number or boolean`);
      out[k] = x;
    }
    return out;
  }
}
