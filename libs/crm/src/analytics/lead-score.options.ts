/** When a tenant has enough labelled leads to train on, and how training runs. */
export interface LeadScoreOptions {
  /** Converted plus lost leads. */
  minSamples: number;
  /** Of each class (converted, lost). */
  minPerClass: number;
  iterations: number;
  /** Held out for the AUC. */
  testShare: number;
  seed: number;
}

export const LEAD_SCORE_OPTIONS = Symbol('LEAD_SCORE_OPTIONS');

export const DEFAULT_LEAD_SCORE_OPTIONS: LeadScoreOptions = {
  minSamples: 50,
  minPerClass: 10,
  iterations: 300,
  testShare: 0.2,
  seed: 17,
};
