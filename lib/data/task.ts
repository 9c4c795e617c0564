/**
 * What a model is trained to tell apart, named once: the CIFAR-10 stage's
 * ten photo classes, the pneumonia stages' binary chest X-ray classification,
 * and ImageNet's thousand classes (the backbones' own tops). An experiment
 * config names its task (dataset.kind), a dataset format lists the tasks its
 * data can train (formats/format.ts), a model entry the task it is built for
 * (models/model-entry.ts); the three are matched by this name, never by
 * reading a model's or a format's name.
 */
export const TASK_NAMES = ["cifar10", "chest-xray", "imagenet"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export interface Task {
  name: TaskName;
  /** In a few words, for errors and listings. */
  description: string;
  /** Output classes of the task's models by default. */
  classes: number;
  /** The default class names, in label order, where the task fixes them (a dataset may bring its own); empty where it does not. */
  classNames: readonly string[];
  /** Two classes, one of them the positive finding: ROC, AUC and a threshold apply. */
  binary: boolean;
}

export const TASKS: Readonly<Record<TaskName, Task>> = {
  cifar10: {
    name: "cifar10",
    description: "CIFAR-10 (ten photo classes)",
    classes: 10,
    classNames: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    binary: false,
  },
  "chest-xray": { name: "chest-xray", description: "pneumonia on chest X-rays (normal or pneumonia)", classes: 2, classNames: ["NORMAL", "PNEUMONIA"], binary: true },
  imagenet: { name: "imagenet", description: "ImageNet (1,000 classes)", classes: 1000, classNames: [], binary: false },
};

export function isTaskName(name: string): name is TaskName {
  return (TASK_NAMES as readonly string[]).includes(name);
}
