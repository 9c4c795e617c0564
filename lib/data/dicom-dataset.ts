/**
 * A folder of DICOM files plus `labels.csv` is a dataset like the JPEG
 * folders. labels.csv is UTF-8 text (else an error naming the line) whose
 * first row is the header `file,label` or `file,label,patient`: any other
 * header, an unknown column or a row with more cells is an error, so a
 * `notes` column is never taken for patient ids. Every row's file must
 * resolve, symlinks followed, inside the dataset folder. A root with labels.csv is
 * one split called "all"; otherwise each child folder with a labels.csv is a
 * split (train/, test/, …).
 * Labels match exactly, never case-insensitively. Without a class list the
 * labels found are the classes, and two labels differing only in case
 * (NORMAL, normal) are an error; with one, any label outside it is an error.
 * A file listed twice, with the same row or not, is an error naming both lines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseCsv } from "./csv";
import { checkClassList } from "./chest-xray";
import { readDicomImage } from "./dicom";
import { Sample, SkippedFile } from "./sample";

export const DICOM_LABELS_FILE = "labels.csv";
// A file of thousands of bad rows should not flood the terminal; the count says how many.
const MAX_PROBLEMS_SHOWN = 20;

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

export interface DicomListOptions {
  /** The labels allowed, in label order. Default: those labels.csv uses (numeric by value, others alphabetically). */
  classes?: readonly string[];
}

interface LabelRow {
  file: string;
  label: string;
  patient?: string;
  /** Where the row is, for errors: `<csv>: line N`. */
  where: string;
}

/** The header labels.csv starts with: its columns, in this order (patient optional). */
const LABEL_COLUMNS = ["file", "label", "patient"];

/** labels.csv's text, checked to be UTF-8 (a Latin-1 file would turn NEUMONÍA into NEUMON�A); a UTF-8 byte-order mark is dropped. */
function readUtf8(csvFile: string): string {
  const bytes = fs.readFileSync(csvFile);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return decoder.decode(bytes);
  } catch {
    // Find the line for the error: decode line by line until one fails.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new Error(`${csvFile}: line ${line} is not valid UTF-8 text; save labels.csv as UTF-8 (e.g. iconv -f latin1 -t utf-8 labels.csv)`);
  }
}

function readLabels(csvFile: string): LabelRow[] {
  // Blank lines are dropped by parseCsv; keep the real line numbers for errors.
  const lines = readUtf8(csvFile).split(/\r?\n/);
  const numbered = lines.map((line, i) => ({ line: i + 1, cells: parseCsv(line)[0] })).filter((r): r is { line: number; cells: string[] } => r.cells !== undefined);
  const header = numbered[0];
  if (!header) throw new Error(`${csvFile}: empty; labels.csv starts with the header file,label or file,label,patient`);
  const columns = header.cells.map((cell) => cell.toLowerCase());
  const unknown = columns.find((name, i) => name !== LABEL_COLUMNS[i]);
  if (columns.length < 2 || columns.length > 3 || unknown !== undefined) {
    const why = unknown !== undefined && LABEL_COLUMNS.slice(0, 2).every((name, i) => columns[i] === name) ? `unknown column "${header.cells[columns.indexOf(unknown)]}"` : `header "${header.cells.join(",")}"`;
    throw new Error(`${csvFile}: line ${header.line}: ${why}; labels.csv starts with the header file,label or file,label,patient (no other columns)`);
  }
  return numbered.slice(1).map(({ line, cells }) => {
    if (cells.length < 2 || !cells[0] || !cells[1] || cells.length > columns.length) throw new Error(`${csvFile}: line ${line} needs ${columns.join(",")}, got "${cells.join(",")}"`);
    return { file: cells[0], label: cells[1], patient: cells[2] || undefined, where: `${csvFile}: line ${line}` };
  });
}

/** Rows whose file resolves, symlinks followed, outside the dataset folder (`../../etc/hostname`, `/etc/passwd`). */
function outsideProblems(root: string, rowsBySplit: readonly { splitDir: string; rows: readonly LabelRow[] }[]): string[] {
  const realRoot = fs.realpathSync(root);
  const inside = (file: string): boolean => {
    const relative = path.relative(realRoot, file);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  };
  const problems: string[] = [];
  for (const { splitDir, rows } of rowsBySplit) {
    const realSplit = fs.realpathSync(splitDir);
    for (const row of rows) {
      const file = path.resolve(realSplit, row.file);
      const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
      if (!inside(real)) problems.push(`${row.where}: ${row.file} resolves to ${real}, outside the dataset folder ${realRoot}; list only files inside it`);
    }
  }
  return problems;
}

/**
 * Every problem in the label files, one line each: a label outside the class
 * list, or differing only in case from another; a file listed twice.
 */
function labelProblems(rowsBySplit: readonly { splitDir: string; rows: readonly LabelRow[] }[], classes: readonly string[] | undefined): string[] {
  const problems: string[] = [];
  const spelling = new Map<string, LabelRow>();
  const byFile = new Map<string, LabelRow>();
  for (const { splitDir, rows } of rowsBySplit) {
    for (const row of rows) {
      if (classes) {
        if (!classes.includes(row.label)) problems.push(`${row.where}: label "${row.label}" is not one of the classes ${classes.join(", ")}`);
      } else {
        const first = spelling.get(row.label.toLowerCase());
        if (!first) spelling.set(row.label.toLowerCase(), row);
        else if (first.label !== row.label) {
          problems.push(`${row.where}: label "${row.label}" differs only in case from "${first.label}" (${first.where}); labels are case-sensitive: use one spelling`);
        }
      }
      const file = path.resolve(splitDir, row.file);
      const earlier = byFile.get(file);
      if (!earlier) byFile.set(file, row);
      else if (earlier.label !== row.label) problems.push(`${row.where}: ${row.file} is labelled "${row.label}" here and "${earlier.label}" at ${earlier.where}`);
      else if (earlier.patient !== row.patient) problems.push(`${row.where}: ${row.file} has patient "${row.patient ?? ""}" here and "${earlier.patient ?? ""}" at ${earlier.where}`);
      else problems.push(`${row.where}: ${row.file} is listed again, the same row as ${earlier.where}; remove one`);
    }
  }
  return problems;
}

/** Labels in a stable order: numeric labels by value, others alphabetically. */
function orderLabels(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  const numeric = unique.every((l) => /^-?\d+$/.test(l));
  return unique.sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
}

export function listDicomDataset(dir: string, options: DicomListOptions = {}): DicomListing {
  const classes = options.classes ? checkClassList(options.classes) : undefined;
  const splitDirs = findDicomSplits(dir);
  if (Object.keys(splitDirs).length === 0) throw new Error(`${dir}: no ${DICOM_LABELS_FILE} found (a DICOM dataset is a folder of files with labels.csv: file,label[,patient])`);
  const rowsBySplit = Object.entries(splitDirs).map(([split, splitDir]) => ({ split, splitDir, rows: readLabels(path.join(splitDir, DICOM_LABELS_FILE)) }));
  const problems = [...outsideProblems(dir, rowsBySplit), ...labelProblems(rowsBySplit, classes)];
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).concat(problems.length > MAX_PROBLEMS_SHOWN ? [`… and ${problems.length - MAX_PROBLEMS_SHOWN} more`] : []);
    throw new Error(`${DICOM_LABELS_FILE}: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}, nothing listed:\n  ${shown.join("\n  ")}`);
  }
  const classNames = classes ?? orderLabels(rowsBySplit.flatMap((s) => s.rows.map((r) => r.label)));
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
