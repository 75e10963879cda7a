/**
 * Calibration (docs/assist.md, "Calibration"): the model's own confidence mapped to the share of
 * such suggestions that people actually took, fitted online by isotonic regression over bins of
 * raw confidence. Each bin starts from a few pseudo-observations at its own raw confidence, so an
 * unused bin trusts the model, and the fit stays monotone: a more confident model never yields a
 * lower calibrated confidence.
 */

export interface CalibrationOptions {
  /** Bins of raw confidence between 0.5 and 1. */
  bins: number;
  /** Pseudo-observations per bin at the bin's own raw confidence. */
  priorWeight: number;
}

const DEFAULT_CALIBRATION: CalibrationOptions = { bins: 10, priorWeight: 4 };

interface Bin {
  n: number;
  correct: number;
}

export class IsotonicCalibrator {
  private readonly options: CalibrationOptions;
  private readonly bins: Bin[];
  private fitted: number[] | null = null;

  constructor(options: Partial<CalibrationOptions> = {}) {
    this.options = { ...DEFAULT_CALIBRATION, ...options };
    this.bins = Array.from({ length: this.options.bins }, () => ({ n: 0, correct: 0 }));
  }

  /** The calibrated confidence for a raw confidence in [0.5, 1]. */
  map(raw: number): number {
    const fitted = this.fit();
    const centre = (i: number) => 0.5 + (i + 0.5) * this.width();
    // Interpolate between bin centres so that confidence moves smoothly within a bin.
    const position = (clamp(raw, 0.5, 1) - 0.5) / this.width() - 0.5;
    const lower = clamp(Math.floor(position), 0, fitted.length - 1);
    const upper = clamp(lower + 1, 0, fitted.length - 1);
    const share = upper === lower ? 0 : clamp((raw - centre(lower)) / this.width(), 0, 1);
    return clamp(fitted[lower]! + share * (fitted[upper]! - fitted[lower]!), 0.001, 0.999);
  }

  /** One outcome: a suggestion made at raw confidence `raw` was (not) what the person chose. */
  observe(raw: number, correct: boolean): void {
    const bin = this.bins[this.binOf(raw)]!;
    bin.n += 1;
    if (correct) bin.correct += 1;
    this.fitted = null;
  }

  get observations(): number {
    return this.bins.reduce((sum, b) => sum + b.n, 0);
  }

  private width(): number {
    return 0.5 / this.bins.length;
  }

  private binOf(raw: number): number {
    return clamp(Math.floor((clamp(raw, 0.5, 1) - 0.5) / this.width()), 0, this.bins.length - 1);
  }

  /** Pool adjacent violators over the smoothed bin rates. */
  private fit(): number[] {
    if (this.fitted) return this.fitted;
    const w = this.options.priorWeight;
    const blocks: { sum: number; weight: number; size: number }[] = [];
    this.bins.forEach((bin, i) => {
      const prior = 0.5 + (i + 0.5) * this.width();
      blocks.push({ sum: bin.correct + w * prior, weight: bin.n + w, size: 1 });
      while (blocks.length > 1) {
        const last = blocks[blocks.length - 1]!;
        const previous = blocks[blocks.length - 2]!;
        if (previous.sum / previous.weight <= last.sum / last.weight) break;
        blocks.splice(-2, 2, {
          sum: previous.sum + last.sum,
          weight: previous.weight + last.weight,
          size: previous.size + last.size,
        });
      }
    });
    this.fitted = blocks.flatMap((b) => Array.from({ length: b.size }, () => b.sum / b.weight));
    return this.fitted;
  }
}

/**
 * How often each objective rule's suggestion is taken, as a Beta belief that starts confident
 * (the rules are right by construction) and learns from overrides.
 */
export class RuleConfidence {
  private readonly counts = new Map<string, { taken: number; total: number }>();
  private readonly priors: Record<string, number>;
  private readonly priorWeight: number;

  constructor(priors: Record<string, number>, priorWeight = 50) {
    this.priors = priors;
    this.priorWeight = priorWeight;
  }

  confidence(rule: string): number {
    const prior = this.priors[rule] ?? 0.9;
    const c = this.counts.get(rule) ?? { taken: 0, total: 0 };
    return (c.taken + this.priorWeight * prior) / (c.total + this.priorWeight);
  }

  observe(rule: string, taken: boolean): void {
    const c = this.counts.get(rule) ?? { taken: 0, total: 0 };
    this.counts.set(rule, { taken: c.taken + (taken ? 1 : 0), total: c.total + 1 });
  }
}

export interface ReliabilityRow {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

export interface Reliability {
  rows: ReliabilityRow[];
  /** Expected calibration error: the count-weighted mean of |accuracy - confidence| over the bins. */
  ece: number;
}

const RELIABILITY_EDGES = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

/** Bins of stated confidence against the share that was right. */
export function reliabilityTable(
  points: readonly { confidence: number; correct: boolean }[],
  edges = RELIABILITY_EDGES,
): Reliability {
  const rows: ReliabilityRow[] = [];
  let gap = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const [from, to] = [edges[i]!, edges[i + 1]!];
    const last = i + 2 === edges.length;
    const inBin = points.filter((p) => p.confidence >= from && (p.confidence < to || (last && p.confidence <= to)));
    const count = inBin.length;
    const meanConfidence = count ? inBin.reduce((s, p) => s + p.confidence, 0) / count : 0;
    const accuracy = count ? inBin.filter((p) => p.correct).length / count : 0;
    gap += count * Math.abs(accuracy - meanConfidence);
    rows.push({ from, to, count, meanConfidence, accuracy });
  }
  return { rows, ece: points.length ? gap / points.length : 0 };
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}
