import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A lead score model of this tenant, trained on its own converted vs lost leads. Versions only grow
 * (the primary key; the training job takes the next one under a transaction-scoped advisory lock).
 * `weights` holds what scoring needs: feature names, standardization and coefficients.
 */
@Entity({ tableName: 'lead_score_models' })
@Check({ name: 'lead_score_models_version_check', expression: '"version" > 0' })
export class LeadScoreModel {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  version: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  trainedAt: Date;

  /** Labelled leads the model was trained and tested on (80/20). */
  @Property({ type: 'integer' })
  samples: number;

  @Property({ type: 'integer' })
  positives: number;

  /** Rank-based AUC on the held-out 20%. */
  @Property({ type: 'double' })
  auc: number;

  @Property({ type: 'jsonb' })
  weights: object;

  /** A digest of the training data: a retraining on the same data adds no version. */
  @Property({ type: 'text' })
  dataDigest: string;
}
