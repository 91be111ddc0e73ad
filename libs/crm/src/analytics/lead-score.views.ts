import { TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';

export const SCORE_BANDS = ['hot', 'warm', 'cold'] as const;
export type ScoreBand = (typeof SCORE_BANDS)[number];

/** hot: score ≥ 0.7; warm: 0.4 ≤ score < 0.7; cold: below 0.4. */
export function bandOf(score: number): ScoreBand {
  return score >= 0.7 ? 'hot' : score >= 0.4 ? 'warm' : 'cold';
}

export class ScoreFactor {
  @ApiProperty({ example: 'source:referral', description: 'a feature of the model' })
  feature: string;

  @ApiProperty({
    example: 0.8123,
    description: "its contribution to this lead's log-odds: coefficient × the lead's standardized value (4 decimals)",
  })
  weight: number;
}

export class LeadScoreModelSummary {
  @ApiProperty({ type: 'integer', minimum: 1 })
  version: number;

  @TimeProperty()
  trainedAt: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'converted and lost leads it was trained and tested on' })
  samples: number;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'rank-based AUC on the held-out 20% of the samples' })
  auc: number;
}

export class LeadScoreView {
  @ApiProperty({ minimum: 0, maximum: 1, description: 'the modelled chance the lead converts (4 decimals)' })
  score: number;

  @ApiProperty({ enum: SCORE_BANDS, enumName: 'ScoreBand', description: 'hot ≥ 0.7 > warm ≥ 0.4 > cold' })
  band: ScoreBand;

  @ApiProperty({ type: [ScoreFactor], description: 'the five features that moved this score most, largest first' })
  factors: ScoreFactor[];

  @ApiProperty({ type: LeadScoreModelSummary })
  model: LeadScoreModelSummary;
}

export class LeadScoreTraining {
  @ApiProperty({ enum: ['queued'], description: 'a training job is queued (or one was already)' })
  status: 'queued';

  @ApiProperty({ type: 'integer', nullable: true, description: 'the newest model version before this training' })
  currentVersion: number | null;
}
