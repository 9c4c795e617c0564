/**
 * KDLAB_BF16 read from this process's environment in one place
 * (lib/runtime/precision.ts precisionFromEnv): what the experiment runner,
 * the trainer and the model cache ask for a teacher's and a student's graphs.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { BF16_VARIABLE, bf16Unavailable, precisionFromEnv } from "../../lib/runtime/precision";

describe("precisionFromEnv", () => {
  const saved = process.env[BF16_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[BF16_VARIABLE];
    else process.env[BF16_VARIABLE] = saved;
  });

  test("unset or 0 is float32 for every role; a value other than 0, 1 or teacher is an error naming it", () => {
    delete process.env[BF16_VARIABLE];
    assert.deepEqual([precisionFromEnv(), precisionFromEnv("teacher"), precisionFromEnv("student")], ["float32", "float32", "float32"]);
    process.env[BF16_VARIABLE] = "0";
    assert.equal(precisionFromEnv("teacher"), "float32");
    process.env[BF16_VARIABLE] = "maybe";
    assert.throws(() => precisionFromEnv(), /KDLAB_BF16=maybe: use 1/);
  });

  test("teacher: bf16 for a teacher's graphs only, read at each call (where oneDNN has bf16 kernels; elsewhere refused with the reason)", () => {
    process.env[BF16_VARIABLE] = "teacher";
    const reason = bf16Unavailable();
    if (reason) {
      assert.throws(() => precisionFromEnv("teacher"), (error: Error) => error.message.includes(reason));
      return;
    }
    assert.deepEqual([precisionFromEnv("teacher"), precisionFromEnv("student"), precisionFromEnv()], ["bf16 mixed", "float32", "float32"]);
    process.env[BF16_VARIABLE] = "1";
    assert.deepEqual([precisionFromEnv("teacher"), precisionFromEnv("student")], ["bf16 mixed", "bf16 mixed"]);
  });
});
