import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { balancedClassWeights, balancedSampleOrder } from "../../lib/distill/sampling";
import { terminalProgress, ProgressEvent } from "../../lib/distill/progress";

describe("class balance", () => {
  test("balanced class weights are n / (k · n_c)", () => {
    // the chest X-ray train set: 1,341 normal, 3,875 pneumonia
    const labels = [...new Array(1341).fill(0), ...new Array(3875).fill(1)];
    const [normal, pneumonia] = balancedClassWeights(labels, 2);
    assert.ok(Math.abs(normal - 5216 / (2 * 1341)) < 1e-12);
    assert.ok(Math.abs(pneumonia - 5216 / (2 * 3875)) < 1e-12);
    assert.ok(Math.abs(normal * 1341 - pneumonia * 3875) < 1e-9, "both classes weigh the same in total");
    assert.throws(() => balancedClassWeights([0, 2], 2), /label 2 at index 1/);
  });

  test("balanced sampling draws each class about equally, reproducibly", () => {
    const labels = [...new Array(100).fill(0), ...new Array(900).fill(1)];
    const order = balancedSampleOrder(labels, 2, 7);
    assert.equal(order.length, 1000);
    const minority = order.filter((i) => labels[i] === 0).length;
    assert.ok(minority > 430 && minority < 570, `minority drawn ${minority} times of 1000`);
    assert.deepEqual(balancedSampleOrder(labels, 2, 7), order);
    assert.notDeepEqual(balancedSampleOrder(labels, 2, 8), order);
  });
});

describe("progress", () => {
  const events: ProgressEvent[] = [
    { kind: "batch", label: "student", epoch: 0, epochs: 2, batch: 0, batches: 2, loss: 0.7, accuracy: 0.5, lr: 0.01, elapsedSeconds: 0.1 },
    { kind: "batch", label: "student", epoch: 0, epochs: 2, batch: 1, batches: 2, loss: 0.6, accuracy: 0.6, lr: 0.01, elapsedSeconds: 0.2 },
    { kind: "epoch", label: "student", epoch: 0, epochs: 2, improved: true, record: { epoch: 1, lr: 0.01, loss: 0.6, accuracy: 0.6, seconds: 1, val_loss: 0.5 } },
    { kind: "done", label: "student", epochsRun: 1, stoppedEarly: false, bestEpoch: 1, bestMetric: 0.5, monitor: "val_loss" },
  ];
  const capture = (isTTY: boolean): string => {
    let out = "";
    const listener = terminalProgress({ isTTY, columns: 200, write: (text) => ((out += text), true) });
    events.forEach(listener);
    return out;
  };

  test("plain lines without a TTY", () => {
    const out = capture(false);
    assert.ok(!out.includes("\r"));
    assert.deepEqual(out.trim().split("\n").length, 2);
    assert.match(out, /student epoch 1\/2 {2}loss 0\.6000 {2}accuracy 0\.6000 {2}val_loss 0\.5000 {2}lr 0\.0100 {2}1s {2}\*/);
  });

  test("a redrawn bar in a TTY", () => {
    const out = capture(true);
    assert.match(out, /\rstudent epoch 1\/2 \[=+\] 2\/2 {2}loss 0\.6000/);
    assert.match(out, /student done after 1 epochs; best val_loss 0\.5000 at epoch 1/);
  });
});
