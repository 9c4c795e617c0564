/**
 * A folder of DICOM files plus `labels.csv` (`file,label[,patient]`, header
 * row optional) is a dataset like the JPEG folders. A root with labels.csv is
 * one split called "all"; otherwise each child folder with a labels.csv is a
 * split (train/, test/, …).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCsv } from "./csv";
import { readDicomImage } from "./dicom";
import { Sample, SkippedFile } from "./sample";

export const DICOM_LABELS_FILE = "labels.csv";

export interface DicomListing {
  root: string;
  classNames: string[];
  splits: Record<string, Sample[]>;
  skipped: SkippedFile[];
}

/** Split name → folder holding labels.csv. */
export function findDicomSplits(dir: string): Record<string, string> {
  if (fs.existsSync(path.join(dir, DICOM_LABELS_FILE))) return { all: dir };
  const splits: Record<string, string> = {};
  if (!fs.existsSync(dir)) return splits;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, DICOM_LABELS_FILE))) splits[entry.name] = path.join(dir, entry.name);
  }
  return splits;
}

interface LabelRow {
  file: string;
  label: string;
  patient?: string;
}

function readLabels(csvFile: string): LabelRow[] {
  const rows = parseCsv(fs.readFileSync(csvFile, "utf8"));
  const hasHeader = rows.length > 0 && rows[0][0].toLowerCase() === "file" && (rows[0][1] ?? "").toLowerCase() === "label";
  return rows.slice(hasHeader ? 1 : 0).map((cells, i) => {
    if (cells.length < 2 || !cells[0] || !cells[1]) throw new Error(`${csvFile}: line ${i + (hasHeader ? 2 : 1)} needs file,label[,patient], got "${cells.join(",")}"`);
    return { file: cells[0], label: cells[1], patient: cells[2] || undefined };
  });
}

/** Labels in a stable order: numeric labels by value, others alphabetically. */
function orderLabels(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  const numeric = unique.every((l) => /^-?\d+$/.test(l));
  return unique.sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
}

export function listDicomDataset(dir: string): DicomListing {
  const splitDirs = findDicomSplits(dir);
  if (Object.keys(splitDirs).length === 0) throw new Error(`${dir}: no ${DICOM_LABELS_FILE} found (a DICOM dataset is a folder of files with labels.csv: file,label[,patient])`);
  const rowsBySplit = Object.entries(splitDirs).map(([split, splitDir]) => ({ split, splitDir, rows: readLabels(path.join(splitDir, DICOM_LABELS_FILE)) }));
  const classNames = orderLabels(rowsBySplit.flatMap((s) => s.rows.map((r) => r.label)));
  const splits: Record<string, Sample[]> = {};
  const skipped: SkippedFile[] = [];
  for (const { split, splitDir, rows } of rowsBySplit) {
    const listed = new Set<string>();
    splits[split] = [];
    for (const row of rows) {
      const file = path.resolve(splitDir, row.file);
      listed.add(file);
      if (!fs.existsSync(file)) {
        skipped.push({ file, reason: `listed in ${DICOM_LABELS_FILE} but missing` });
        continue;
      }
      splits[split].push({ format: "dicom", file, label: classNames.indexOf(row.label), className: row.label, patient: row.patient });
    }
    // Files beside labels.csv that it does not name are reported, not silently ignored.
    for (const file of walkFiles(splitDir)) {
      if (!listed.has(file) && path.basename(file) !== DICOM_LABELS_FILE && !path.basename(file).startsWith(".")) {
        skipped.push({ file, reason: `not listed in ${DICOM_LABELS_FILE}` });
      }
    }
  }
  return { root: dir, classNames, splits, skipped };
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!fs.existsSync(path.join(full, DICOM_LABELS_FILE))) out.push(...walkFiles(full));
    } else out.push(path.resolve(full));
  }
  return out.sort();
}

/** Reads every file once: unreadable ones (corrupt, compressed, not DICOM) come back in `skipped` with the reason. */
export function verifyDicomFiles(samples: readonly Sample[]): { ok: Sample[]; skipped: SkippedFile[] } {
  const ok: Sample[] = [];
  const skipped: SkippedFile[] = [];
  for (const sample of samples) {
    try {
      readDicomImage(sample.file);
      ok.push(sample);
    } catch (error) {
      skipped.push({ file: sample.file, reason: (error as Error).message });
    }
  }
  return { ok, skipped };
}
