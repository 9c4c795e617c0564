/**
 * `kdlab data`: generate synthetic datasets in the real formats, inspect a
 * dataset folder, download the published datasets.
 */
import { Command, UsageError, parseFlags } from "./command";
import { downloadChestXray, downloadCifar10, downloadMedmnist } from "../data/dataset-download";
import { MEDMNIST_FLAGS } from "../data/medmnist";
import { inspectDataset } from "../data/inspect";
import { terminalProgress } from "../data/progress";
import { synthChestXray } from "../data/synth-chest-xray";
import { synthCifar10 } from "../data/synth-cifar10";
import { synthDicom } from "../data/synth-dicom";

const USAGE = `usage:
  kdlab data synth cifar10|chest-xray|dicom <dir> [--seed N]
      write a small synthetic dataset in the real on-disk format (same seed, same bytes)
  kdlab data inspect <dir | file.npz> [--json] [--no-verify] [--classes A,B,...]
      detect the format; count images per split, class and patient; list unusable files;
      exit 1 when a file cannot be used or the dataset cannot be listed.
      --classes: the chest X-ray class folders / DICOM labels, in label order (default NORMAL,PNEUMONIA / labels.csv's)
  kdlab data download cifar10 [--dir DIR] [--url U] [--archive PATH] [--md5 HEX|none]
      the official binary archive, MD5-checked, resumable, extracted to DIR/cifar-10-batches-bin
  kdlab data download chest-xray (--url U | --archive PATH) [--dir DIR] [--md5 HEX]
      the Mendeley/Kaggle archive (.zip or .tar.gz) or an extracted folder, to DIR/chest_xray
  kdlab data download medmnist <flag> [--size 28|64|128|224] [--dir DIR] [--url U] [--archive PATH] [--md5 HEX|none]
      a MedMNIST 2D .npz from Zenodo, MD5-checked, resumable, to DIR/<flag>[_<size>].npz
      flags: ${MEDMNIST_FLAGS.join(", ")}
DIR defaults to the project's data/ folder (or KDLAB_DATA_DIR).`;

function single(flags: Map<string, string[]>, name: string): string | undefined {
  const values = flags.get(name);
  if (values && values.length > 1) throw new UsageError(`--${name} given twice`);
  return values?.[0];
}

function checkFlags(flags: Map<string, string[]>, allowed: string[]): void {
  for (const key of flags.keys()) if (!allowed.includes(key)) throw new UsageError(`unknown option --${key}`);
}

async function synth(kind: string | undefined, dir: string | undefined, flags: Map<string, string[]>): Promise<number> {
  checkFlags(flags, ["seed"]);
  if (!dir) throw new UsageError("synth needs a target folder");
  const seedText = single(flags, "seed") ?? "0";
  const seed = Number(seedText);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seedText}`);
  switch (kind) {
    case "cifar10":
      console.log(`wrote ${synthCifar10(dir, { seed })}`);
      return 0;
    case "chest-xray": {
      const { images } = await synthChestXray(dir, { seed, onProgress: terminalProgress("chest-xray") });
      console.log(`wrote ${images} images to ${dir}`);
      return 0;
    }
    case "dicom": {
      const { images } = synthDicom(dir, { seed });
      console.log(`wrote ${images} DICOM files to ${dir}`);
      return 0;
    }
    default:
      throw new UsageError(`synth: unknown dataset "${kind ?? ""}" (cifar10, chest-xray, dicom)`);
  }
}

async function inspect(dir: string | undefined, flags: Map<string, string[]>): Promise<number> {
  checkFlags(flags, ["json", "no-verify", "classes"]);
  if (!dir) throw new UsageError("inspect needs a dataset folder");
  const classesText = single(flags, "classes");
  const classes = classesText?.split(",").map((c) => c.trim());
  const report = await inspectDataset(dir, { verify: !flags.has("no-verify"), classes });
  // A dataset with unusable files is not fine: scripts and CI see it in the exit code.
  const problems = (): number => {
    if (report.skipped.length === 0) return 0;
    console.error(`kdlab data inspect: ${report.skipped.length} file${report.skipped.length === 1 ? "" : "s"} cannot be used (listed under "skipped")`);
    return 1;
  };
  if (flags.has("json")) {
    const { root: _root, ...printed } = report;
    console.log(JSON.stringify(printed, null, 2));
    return problems();
  }
  const about = report.medmnist ? ` (${report.medmnist.flag ?? "unnamed"}, ${report.medmnist.task}, ${report.medmnist.size}×${report.medmnist.size}, ${report.medmnist.channels === 1 ? "gray" : "RGB"}; classes: ${report.medmnist.classNames.join(", ")})` : "";
  console.log(`${report.root}: ${report.format}${about}`);
  for (const [split, s] of Object.entries(report.splits)) {
    const classes = Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(", ");
    const patients = s.patients !== undefined ? `, ${s.patients} patients${s.withoutPatient ? ` (${s.withoutPatient} image${s.withoutPatient === 1 ? "" : "s"} without a patient id)` : ""}` : "";
    console.log(`  ${split}: ${s.count} images (${classes})${patients}`);
  }
  console.log(`  skipped: ${report.skipped.length}`);
  for (const s of report.skipped) console.log(`    ${s.file}: ${s.reason}`);
  return problems();
}

async function download(kind: string | undefined, flag: string | undefined, flags: Map<string, string[]>): Promise<number> {
  checkFlags(flags, kind === "medmnist" ? ["dir", "url", "archive", "md5", "size"] : ["dir", "url", "archive", "md5"]);
  if (kind !== "medmnist" && flag !== undefined) throw new UsageError(`download ${kind ?? ""}: unexpected argument "${flag}"`);
  const md5Flag = single(flags, "md5");
  const options = {
    dir: single(flags, "dir"),
    url: single(flags, "url"),
    archive: single(flags, "archive"),
    md5: md5Flag === "none" ? null : md5Flag,
    onProgress: terminalProgress(`download ${kind ?? ""}`, { bytes: true }),
  };
  if (options.url && options.archive) throw new UsageError("give --url or --archive, not both");
  switch (kind) {
    case "cifar10":
      console.log(`CIFAR-10 ready in ${await downloadCifar10(options)}`);
      return 0;
    case "chest-xray":
      if (!options.url && !options.archive) throw new UsageError("chest-xray needs --url or --archive (see data/README.md)");
      console.log(`chest X-ray ready in ${await downloadChestXray(options)}`);
      return 0;
    case "medmnist": {
      if (!flag) throw new UsageError(`medmnist needs a dataset flag: ${MEDMNIST_FLAGS.join(", ")}`);
      if (!MEDMNIST_FLAGS.includes(flag)) throw new UsageError(`unknown MedMNIST dataset "${flag}"; known: ${MEDMNIST_FLAGS.join(", ")}`);
      const sizeText = single(flags, "size") ?? "28";
      const size = Number(sizeText);
      if (![28, 64, 128, 224].includes(size)) throw new UsageError(`--size must be 28, 64, 128 or 224, got ${sizeText}`);
      console.log(`${flag} ready: ${await downloadMedmnist(flag, { ...options, size, log: (line) => console.error(line) })}`);
      return 0;
    }
    default:
      throw new UsageError(`download: unknown dataset "${kind ?? ""}" (cifar10, chest-xray, medmnist)`);
  }
}

export const dataCommand: Command = {
  name: "data",
  summary: "synthesise, inspect and download datasets (CIFAR-10, chest X-ray, DICOM, MedMNIST)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    // Every action's value options; each action then checks its own (checkFlags).
    const { positional, flags } = parseFlags(args, ["json", "no-verify"], ["seed", "classes", "dir", "url", "archive", "md5", "size"]);
    const [action, ...rest] = positional;
    switch (action) {
      case "synth":
        return synth(rest[0], rest[1], flags);
      case "inspect":
        return inspect(rest[0], flags);
      case "download":
        return download(rest[0], rest[1], flags);
      default:
        throw new UsageError(action ? `unknown action "${action}"` : "missing action (synth, inspect, download)");
    }
  },
};
