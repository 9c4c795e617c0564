/**
 * Two remedies for class imbalance (chest X-ray train set: 1,341 normal vs
 * 3,875 pneumonia): class weights for the loss, or a balanced sampling order
 * for the data pipeline.
 */
import { seededRandom } from "../data/random";

function countClasses(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`label ${label} at index ${i} is not a class id in [0, ${numClasses})`);
    }
    counts[label] += 1;
  }
  return counts;
}

/** scikit-learn's "balanced" weights, n / (k · n_c): each class contributes equally to the loss. A class with no samples gets 0. */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = countClasses(labels, numClasses);
  return counts.map((count) => (count === 0 ? 0 : labels.length / (numClasses * count)));
}

/**
 * Sample indices drawn with replacement so that every class is equally likely
 * (each class chosen uniformly, then a sample of it uniformly). `count`
 * defaults to the dataset size, so an epoch keeps its length.
 */
export function balancedSampleOrder(labels: ArrayLike<number>, numClasses: number, seed: number, count = labels.length): number[] {
  countClasses(labels, numClasses);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const present = byClass.filter((members) => members.length > 0);
  if (present.length === 0) throw new Error("balancedSampleOrder: no samples");
  const random = seededRandom(seed);
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    const members = present[Math.floor(random() * present.length)];
    order.push(members[Math.floor(random() * members.length)]);
  }
  return order;
}
