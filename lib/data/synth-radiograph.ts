/**
 * Renders a synthetic frontal chest radiograph (grayscale, [0, 1], bright =
 * dense): thorax, dark lung fields, heart, spine and faint ribs. PNEUMONIA
 * adds diffuse opacities (soft bright patches) inside the lung fields, the
 * learnable difference between the classes. Anatomy comes from the patient,
 * so one patient's images look alike.
 */
import { Random, randomNormal, randomUniform } from "./random";

export interface Anatomy {
  lungWidth: number;
  lungHeight: number;
  lungGap: number;
  heartSize: number;
  thoraxWidth: number;
  ribFrequency: number;
  exposure: number;
}

export function randomAnatomy(random: Random): Anatomy {
  return {
    lungWidth: randomUniform(random, 0.24, 0.32),
    lungHeight: randomUniform(random, 0.48, 0.6),
    lungGap: randomUniform(random, 0.34, 0.42),
    heartSize: randomUniform(random, 0.18, 0.26),
    thoraxWidth: randomUniform(random, 0.78, 0.9),
    ribFrequency: randomUniform(random, 13, 17),
    exposure: randomUniform(random, 0.9, 1.1),
  };
}

interface Opacity {
  u: number;
  v: number;
  sigma: number;
  amplitude: number;
}

/** Smooth inside-ness of an ellipse: 1 well inside, 0 outside, soft edge. */
function ellipse(u: number, v: number, cu: number, cv: number, ru: number, rv: number, edge = 0.15): number {
  const d = Math.sqrt(((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2);
  const t = Math.min(1, Math.max(0, (1 + edge - d) / (2 * edge)));
  return t * t * (3 - 2 * t);
}

export function renderRadiograph(size: number, anatomy: Anatomy, pneumonia: boolean, random: Random): Float32Array {
  const shiftU = randomUniform(random, -0.04, 0.04);
  const shiftV = randomUniform(random, -0.04, 0.04);
  const opacities: Opacity[] = [];
  if (pneumonia) {
    const count = 2 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      const side = random() < 0.5 ? -1 : 1;
      opacities.push({
        u: side * anatomy.lungGap + randomUniform(random, -0.12, 0.12),
        v: randomUniform(random, -0.3, 0.35),
        sigma: randomUniform(random, 0.1, 0.22),
        amplitude: randomUniform(random, 0.22, 0.38),
      });
    }
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const v = (2 * y) / (size - 1) - 1 - shiftV;
    for (let x = 0; x < size; x++) {
      const u = (2 * x) / (size - 1) - 1 - shiftU;
      let value = 0.06 + 0.5 * ellipse(u, v, 0, 0.15, anatomy.thoraxWidth, 1.0, 0.1);
      const lungs = Math.max(
        ellipse(u, v, -anatomy.lungGap, -0.05, anatomy.lungWidth, anatomy.lungHeight),
        ellipse(u, v, anatomy.lungGap, -0.05, anatomy.lungWidth, anatomy.lungHeight),
      );
      value -= 0.36 * lungs;
      const ribs = Math.pow(Math.max(0, Math.sin(anatomy.ribFrequency * (v + 0.25 * u * u))), 6);
      value += 0.07 * ribs * lungs;
      value = Math.max(value, 0.62 * ellipse(u, v, 0.1, 0.3, anatomy.heartSize, anatomy.heartSize * 1.25));
      value = Math.max(value, 0.72 * ellipse(u, v, 0, 0.05, 0.06, 1.1, 0.3));
      for (const o of opacities) {
        value += o.amplitude * lungs * Math.exp(-((u - o.u) ** 2 + (v - o.v) ** 2) / (2 * o.sigma * o.sigma));
      }
      out[y * size + x] = value * anatomy.exposure;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i] + 0.025 * randomNormal(random)));
  return out;
}

export function toUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i] * 255);
  return out;
}
