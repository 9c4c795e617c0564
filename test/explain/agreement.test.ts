import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chanceTopIoU, mapAgreement, pearsonCorrelation, topRegion, topRegionIoU } from "../../lib/explain/agreement";

/** A 10×10 map with a hot square whose top-left corner is (row, col). */
function squareMap(row: number, col: number, side = 4): number[] {
  return Array.from({ length: 100 }, (_, k) => {
    const [r, c] = [Math.floor(k / 10), k % 10];
    return r >= row && r < row + side && c >= col && c < col + side ? 1 - 0.01 * (r + c) : 0.001 * k;
  });
}

describe("map agreement", () => {
  test("a map agrees perfectly with itself and with a rescaled copy", () => {
    const map = squareMap(2, 3);
    assert.deepEqual(mapAgreement(map, map), { pearson: 1, topIoU: 1 });
    const scaled = map.map((v) => 0.5 * v + 0.1);
    const agreement = mapAgreement(map, scaled);
    assert.ok(Math.abs(agreement.pearson - 1) < 1e-12);
    assert.equal(agreement.topIoU, 1);
  });

  test("an inverted map correlates at −1 and its hot region does not overlap", () => {
    const map = squareMap(0, 0);
    const inverted = map.map((v) => 1 - v);
    assert.ok(Math.abs(pearsonCorrelation(map, inverted) + 1) < 1e-12);
    assert.equal(topRegionIoU(map, inverted), 0);
  });

  test("partly overlapping hot squares: IoU counts the shared top-20 % pixels", () => {
    // Top 20 % = 20 pixels: the 16 of the square plus the 4 hottest background pixels (highest index).
    const a = squareMap(0, 0);
    const b = squareMap(0, 2);
    const regionA = topRegion(a);
    const regionB = topRegion(b);
    assert.equal(regionA.size, 20);
    const shared = [...regionA].filter((i) => regionB.has(i)).length;
    assert.equal(topRegionIoU(a, b), shared / (40 - shared));
    // The squares share 8 pixels (2 columns × 4 rows); the background tops coincide apart from the pixels the squares cover.
    assert.ok(shared >= 8 && shared <= 12, `shared ${shared}`);
    const p = pearsonCorrelation(a, b);
    assert.ok(p > 0 && p < 1, `pearson ${p}`);
  });

  test("unrelated random maps sit near the chance IoU f / (2 − f)", () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const trials = 200;
    let sum = 0;
    for (let t = 0; t < trials; t++) {
      const a = Array.from({ length: 400 }, random);
      const b = Array.from({ length: 400 }, random);
      sum += topRegionIoU(a, b);
    }
    assert.ok(Math.abs(sum / trials - chanceTopIoU(0.2)) < 0.02, `mean IoU ${sum / trials}`);
    assert.ok(Math.abs(chanceTopIoU(0.2) - 1 / 9) < 1e-12);
  });

  test("constant maps have no correlation; mismatched sizes and bad fractions are errors", () => {
    assert.ok(Number.isNaN(pearsonCorrelation([1, 1, 1], [0, 1, 2])));
    assert.ok(Number.isNaN(topRegionIoU([0, 0, 0], [0, 1, 2])));
    assert.throws(() => mapAgreement([1, 2], [1, 2, 3]), /2 and 3 pixels/);
    assert.throws(() => topRegion([1, 2], 0), /fraction must lie in \(0, 1\]/);
  });
});
