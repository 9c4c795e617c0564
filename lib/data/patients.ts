/**
 * Patient ids from Kermany-style chest X-ray file names. Several images can
 * belong to one patient, so fair splits group by this id.
 *   person1_bacteria_1.jpeg          → person1
 *   person1_virus_7.jpeg             → person1
 *   IM-0001-0001.jpeg                → IM-0001
 *   IM-0640-0001-0001.jpeg           → IM-0640
 *   NORMAL2-IM-0007-0001.jpeg        → NORMAL2-IM-0007
 *   NORMAL2-IM-1152-0001-0002.jpeg   → NORMAL2-IM-1152
 * The prefix stays in the id: NORMAL2-IM-0012 and IM-0012 are different patients.
 */
import * as path from "node:path";

// The published set has both IM-XXXX-YYYY and IM-XXXX-YYYY-ZZZZ (143 of 5,840 train/test images).
const PATTERNS: RegExp[] = [/^(person\d+)_/i, /^((?:[A-Z0-9]+-)?IM-\d+)(?:-\d+){1,2}$/i];

/** The patient id, or undefined when the name follows none of the known patterns. */
export function patientIdFromFileName(file: string): string | undefined {
  const stem = path.basename(file).replace(/\.[^.]+$/, "");
  for (const pattern of PATTERNS) {
    const match = pattern.exec(stem);
    if (match) return match[1];
  }
  return undefined;
}
