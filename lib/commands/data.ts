/**
 * `kdlab data synth|inspect|download`: generate synthetic datasets in the real
 * formats (each format's generator, lib/data/formats/), inspect a dataset
 * folder, download the published datasets
 * (`kdlab data download cifar10|chest-xray|medmnist`).
 */
import { Command as Commander } from "commander";
import { downloadChestXray, downloadCifar10, downloadMedmnist } from "../data/dataset-download";
import { MEDMNIST_FLAGS } from "../data/medmnist";
import { oneOf } from "../data/dataset";
import { FORMATS } from "../data/formats/index";
import { inspectDataset } from "../data/inspect";
import { terminalProgress } from "../data/progress";
import { argument, defineCommand, option, UsageError } from "./command";

/** The formats with a synthetic generator (lib/data/formats/), in registry order. */
function synthFormats(): string[] {
  return FORMATS.filter((f) => f.synth).map((f) => f.name);
}

async function synth(kind: string, dir: string, seedText: string): Promise<number> {
  const seed = Number(seedText);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${seedText}`);
  const entry = FORMATS.find((f) => f.name === kind);
  if (!entry?.synth) throw new UsageError(`synth: unknown dataset "${kind}" (${synthFormats().join(", ")})`);
  console.log(await entry.synth(dir, { seed, purpose: "command", onProgress: terminalProgress(kind) }));
  return 0;
}

async function inspect(dir: string, options: { json?: boolean; verify: boolean; classes?: string }): Promise<number> {
  const classes = options.classes?.split(",").map((c) => c.trim());
  const report = await inspectDataset(dir, { verify: options.verify, classes });
  // A dataset with unusable files is not fine: scripts and CI see it in the exit code.
  const problems = (): number => {
    if (report.skipped.length === 0) return 0;
    console.error(`kdlab data inspect: ${report.skipped.length} file${report.skipped.length === 1 ? "" : "s"} cannot be used (listed under "skipped")`);
    return 1;
  };
  if (options.json) {
    const { root: _root, ...printed } = report;
    console.log(JSON.stringify(printed, null, 2));
    return problems();
  }
  console.log(`${report.root}: ${report.format}${report.about ? ` (${report.about})` : ""}`);
  for (const [split, s] of Object.entries(report.splits)) {
    const classes = Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(", ");
    const patients = s.patients !== undefined ? `, ${s.patients} patients${s.withoutPatient ? ` (${s.withoutPatient} image${s.withoutPatient === 1 ? "" : "s"} without a patient id)` : ""}` : "";
    console.log(`  ${split}: ${s.count} images (${classes})${patients}`);
  }
  console.log(`  skipped: ${report.skipped.length}`);
  for (const s of report.skipped) console.log(`    ${s.file}: ${s.reason}`);
  return problems();
}

interface DownloadFlags {
  dir?: string;
  url?: string;
  archive?: string;
  md5?: string;
}

/** The options every download takes; `md5` says what --md5 takes. */
function downloadOptions(cmd: Commander, md5: string): Commander {
  return cmd
    .addOption(option("--dir <DIR>", "where the dataset goes (default: the project's data/ folder, or KDLAB_DATA_DIR)"))
    .addOption(option("--url <U>", "download from this URL instead"))
    .addOption(option("--archive <PATH>", "use this already-downloaded archive (or, for chest-xray, an extracted folder)"))
    .addOption(option("--md5 <HEX|none>", md5));
}

function downloadSettings(kind: string, flags: DownloadFlags) {
  if (flags.url && flags.archive) throw new UsageError("give --url or --archive, not both");
  return { dir: flags.dir, url: flags.url, archive: flags.archive, md5: flags.md5 === "none" ? null : flags.md5, onProgress: terminalProgress(`download ${kind}`, { bytes: true }) };
}

const download = defineCommand({
  name: "download",
  summary: "download a published dataset: cifar10, chest-xray or medmnist",
  subcommands: [
    defineCommand<DownloadFlags>({
      name: "cifar10",
      summary: "the official binary archive, MD5-checked, resumable, extracted to DIR/cifar-10-batches-bin",
      define: (cmd) => downloadOptions(cmd, "the archive's expected MD5 (default: the official one), or none to skip the check"),
      async action(_args, flags) {
        console.log(`CIFAR-10 ready in ${await downloadCifar10(downloadSettings("cifar10", flags))}`);
        return 0;
      },
    }),
    defineCommand<DownloadFlags>({
      name: "chest-xray",
      summary: "the Mendeley/Kaggle archive (.zip or .tar.gz) or an extracted folder, to DIR/chest_xray; needs --url or --archive",
      define: (cmd) => downloadOptions(cmd, "the archive's expected MD5, or none"),
      async action(_args, flags) {
        const settings = downloadSettings("chest-xray", flags);
        if (!settings.url && !settings.archive) throw new UsageError("chest-xray needs --url or --archive (see data/README.md)");
        console.log(`chest X-ray ready in ${await downloadChestXray(settings)}`);
        return 0;
      },
    }),
    defineCommand<DownloadFlags & { size?: string }>({
      name: "medmnist",
      summary: "a MedMNIST 2D .npz from Zenodo, MD5-checked, resumable, to DIR/<flag>[_<size>].npz",
      define: (cmd) =>
        downloadOptions(cmd.addArgument(argument("flag", `the dataset: ${MEDMNIST_FLAGS.join(", ")}`, `medmnist needs a dataset flag: ${MEDMNIST_FLAGS.join(", ")}`)), "the file's expected MD5 (default: Zenodo's), or none to skip the check").addOption(
          option("--size <28|64|128|224>", "image side (default 28)"),
        ),
      async action([flag], { size: sizeText = "28", ...flags }) {
        if (!MEDMNIST_FLAGS.includes(flag)) throw new UsageError(`unknown MedMNIST dataset "${flag}"; known: ${MEDMNIST_FLAGS.join(", ")}`);
        const size = Number(sizeText);
        if (![28, 64, 128, 224].includes(size)) throw new UsageError(`--size must be 28, 64, 128 or 224, got ${sizeText}`);
        console.log(`${flag} ready: ${await downloadMedmnist(flag, { ...downloadSettings("medmnist", flags), size, log: (line) => console.error(line) })}`);
        return 0;
      },
    }),
  ],
});

export const dataCommand = defineCommand({
  name: "data",
  summary: "synthesise, inspect and download datasets (CIFAR-10, chest X-ray, DICOM, MedMNIST)",
  subcommands: [
    defineCommand<{ seed?: string }>({
      name: "synth",
      summary: "write a small synthetic dataset in the real on-disk format (same seed, same bytes)",
      define: (cmd) =>
        cmd
          .addArgument(argument("dataset", oneOf(synthFormats()), `synth needs a dataset: ${oneOf(synthFormats())}`))
          .addArgument(argument("dir", "the folder to write", "synth needs a target folder"))
          .addOption(option("--seed <N>", "the generator's seed (default 0)")),
      action: async ([kind, dir], { seed = "0" }) => synth(kind, dir, seed),
    }),
    defineCommand<{ json?: boolean; verify: boolean; classes?: string }>({
      name: "inspect",
      summary: "detect a dataset's format; count images per split, class and patient; list unusable files (exit 1 when a file cannot be used or the dataset cannot be listed)",
      define: (cmd) =>
        cmd
          .addArgument(argument("dataset", "a dataset folder, or a MedMNIST .npz file", "inspect needs a dataset folder"))
          .option("--json", "print the report as JSON")
          .option("--no-verify", "do not decode every image (faster; unreadable files go unnoticed)")
          .addOption(option("--classes <A,B,...>", "the chest X-ray class folders / DICOM labels, in label order (default NORMAL,PNEUMONIA / labels.csv's)")),
      action: async ([dir], options) => inspect(dir, options),
    }),
    download,
  ],
});
