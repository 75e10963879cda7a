/**
 * Online Bayesian probit regression with a Gaussian belief per weight, updated one decision at a
 * time by assumed density filtering (the AdPredictor update), in two levels: every feature has a
 * global weight, shared by all restaurants, and a restaurant's own deviation from it, whose prior
 * is centred on zero. A restaurant without history predicts with the global weights alone, and its
 * uncertainty about its own deviations keeps its confidence low until it has decided a few times.
 * See docs/assist.md, "The model".
 */

export interface Feature {
  name: string;
  value: number;
}

/** Prior variances by feature family (the letters a feature's name starts with; `*`: any other). */
type FamilyVariances = Record<string, number>;

export interface ModelOptions {
  /** Prior variance of a global weight. 0 for a family: restaurant-only (a person belongs to one restaurant). */
  globalVariance: FamilyVariances;
  /** Prior variance of a restaurant's deviation from the global weight (how different restaurants may be). */
  restaurantVariance: FamilyVariances;
  /** Noise of the decision itself: P(mine) = Phi(w.x / beta) for known weights. */
  beta: number;
  /** Share of the way back to the prior that each belief drifts per update, so that habits can change. */
  globalDrift: number;
  restaurantDrift: number;
}

const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  globalVariance: { '*': 1, decider: 0 },
  restaurantVariance: { '*': 1 },
  beta: 0.5,
  globalDrift: 0.0005,
  restaurantDrift: 0.01,
};

interface Belief {
  mean: number;
  variance: number;
}

export interface Prediction {
  /** P(the person keeps "mine"). */
  pMine: number;
  /** Each feature's pull toward "mine" (positive) or "theirs" (negative): mean weight x value. */
  contributions: Feature[];
}

export class ProbitModel {
  readonly options: ModelOptions;
  private readonly global = new Map<string, Belief>();
  private readonly restaurants = new Map<string, Map<string, Belief>>();

  constructor(options: Partial<ModelOptions> = {}) {
    this.options = {
      ...DEFAULT_MODEL_OPTIONS,
      ...options,
      globalVariance: { ...DEFAULT_MODEL_OPTIONS.globalVariance, ...options.globalVariance },
      restaurantVariance: { ...DEFAULT_MODEL_OPTIONS.restaurantVariance, ...options.restaurantVariance },
    };
  }

  predict(restaurantId: string, features: readonly Feature[]): Prediction {
    const { mean, variance } = this.score(restaurantId, features);
    const contributions = features.map((f) => ({
      name: f.name,
      value: f.value * (this.read(this.global, f.name).mean + this.read(this.restaurantBeliefs(restaurantId), f.name).mean),
    }));
    return { pMine: normalCdf(mean / Math.sqrt(variance)), contributions };
  }

  /** Learn one decision: `keptMine` true when the person kept their own edit. */
  update(restaurantId: string, features: readonly Feature[], keptMine: boolean): void {
    const local = this.restaurantBeliefs(restaurantId, true);
    for (const f of features) {
      this.drift(this.global, f.name, this.prior('global', f.name), this.options.globalDrift);
      this.drift(local, f.name, this.prior('restaurant', f.name), this.options.restaurantDrift);
    }
    const y = keptMine ? 1 : -1;
    const { mean, variance } = this.score(restaurantId, features);
    const sd = Math.sqrt(variance);
    const t = (y * mean) / sd;
    const v = truncatedMeanGain(t);
    const w = v * (v + t);
    for (const f of features) {
      for (const [beliefs, prior] of [
        [this.global, this.prior('global', f.name)],
        [local, this.prior('restaurant', f.name)],
      ] as const) {
        if (prior === 0) continue;
        const b = this.read(beliefs, f.name, prior);
        const mean2 = b.mean + ((y * f.value * b.variance) / sd) * v;
        const variance2 = b.variance * Math.max(1e-6, 1 - ((f.value * f.value * b.variance) / variance) * w);
        beliefs.set(f.name, { mean: mean2, variance: variance2 });
      }
    }
  }

  /** The learned global weights (for documentation and tests): name -> mean. */
  globalWeights(): Record<string, number> {
    return Object.fromEntries([...this.global].map(([name, b]) => [name, b.mean]));
  }

  knowsRestaurant(restaurantId: string): boolean {
    return this.restaurants.has(restaurantId);
  }

  forgetRestaurant(restaurantId: string): void {
    this.restaurants.delete(restaurantId);
  }

  private score(restaurantId: string, features: readonly Feature[]): Belief {
    const local = this.restaurantBeliefs(restaurantId);
    let mean = 0;
    let variance = this.options.beta * this.options.beta;
    for (const f of features) {
      const g = this.read(this.global, f.name, this.prior('global', f.name));
      const r = this.read(local, f.name, this.prior('restaurant', f.name));
      mean += f.value * (g.mean + r.mean);
      variance += f.value * f.value * (g.variance + r.variance);
    }
    return { mean, variance };
  }

  private prior(level: 'global' | 'restaurant', name: string): number {
    const variances = level === 'global' ? this.options.globalVariance : this.options.restaurantVariance;
    const family = /^[a-z]*/.exec(name)?.[0] ?? '';
    return variances[family] ?? variances['*'] ?? 1;
  }

  private restaurantBeliefs(restaurantId: string, create = false): Map<string, Belief> {
    let beliefs = this.restaurants.get(restaurantId);
    if (!beliefs) {
      beliefs = new Map();
      if (create) this.restaurants.set(restaurantId, beliefs);
    }
    return beliefs;
  }

  private read(beliefs: Map<string, Belief>, name: string, priorVariance = 0): Belief {
    return beliefs.get(name) ?? { mean: 0, variance: priorVariance };
  }

  /** Move a belief part of the way back toward its prior N(0, priorVariance) (AdPredictor's dynamics). */
  private drift(beliefs: Map<string, Belief>, name: string, priorVariance: number, rate: number): void {
    const b = beliefs.get(name);
    if (!b || rate <= 0) return;
    const variance = (b.variance * priorVariance) / ((1 - rate) * priorVariance + rate * b.variance);
    beliefs.set(name, { mean: (variance * (1 - rate) * b.mean) / b.variance, variance });
  }
}

/** erfc with a relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit), tails included. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** phi(t) / Phi(t): how far a surprising observation moves the mean; about -t far in the left tail. */
function truncatedMeanGain(t: number): number {
  if (t < -35) return -t;
  const cdf = normalCdf(t);
  return cdf > 0 ? normalPdf(t) / cdf : -t;
}
