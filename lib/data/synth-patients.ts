/**
 * Kermany-style patients and file names for synthetic chest X-ray data:
 * NORMAL patients named IM-0001 or NORMAL2-IM-0007 (images "-0001", "-0002"),
 * PNEUMONIA patients person12 with images person12_bacteria_34 /
 * person12_virus_35 (the last number runs across the class, as in the
 * published set). Several images per patient.
 */
import { Random, randomInt } from "./random";

export interface SynthImage {
  patient: string;
  /** File name without extension. */
  stem: string;
  /** Index of the patient in this class, to seed anatomy. */
  patientIndex: number;
}

export function synthPatients(className: "NORMAL" | "PNEUMONIA", count: number, firstPatient: number, random: Random): SynthImage[] {
  const images: SynthImage[] = [];
  let patientIndex = 0;
  let runningNumber = firstPatient;
  while (images.length < count) {
    const number = firstPatient + patientIndex;
    const perPatient = className === "NORMAL" ? randomInt(random, 1, 3) : randomInt(random, 1, 4);
    const normalPrefix = random() < 0.3 ? "NORMAL2-" : "";
    const kind = random() < 0.35 ? "virus" : "bacteria";
    const patient = className === "NORMAL" ? `${normalPrefix}IM-${String(number).padStart(4, "0")}` : `person${number}`;
    for (let k = 1; k <= perPatient && images.length < count; k++) {
      const stem = className === "NORMAL" ? `${patient}-${String(k).padStart(4, "0")}` : `${patient}_${kind}_${runningNumber++}`;
      images.push({ patient, stem, patientIndex });
    }
    patientIndex++;
  }
  return images;
}
