import type { Principal } from '@app/auth';
import { JobQueue } from '@app/jobs';
import { TenantContext } from '@app/tenancy';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Lead } from '../leads/lead.entity';
import { readRows } from '../read-rows';
import { findVisible } from '../record-access';
import { AnalyticsErrors } from './analytics.exception';
import { designMatrix, featureNames, featureValues, labelledRows, leadRow, topSources } from './lead-score.features';
import { LEAD_SCORE_OPTIONS, type LeadScoreOptions } from './lead-score.options';
import { bandOf, type LeadScoreTraining, type LeadScoreView } from './lead-score.views';
import {
  auc,
  contributions,
  type LogisticModel,
  pickRows,
  predict,
  sigmoid,
  stratifiedSplit,
  train,
} from './logistic-regression';

/** What a model row's `weights` holds. */
interface StoredWeights extends LogisticModel {
  features: string[];
  sources: string[];
}

interface ModelRow {
  version: number;
  trained_at: Date;
  samples: number;
  auc: number;
  weights: StoredWeights;
  data_digest: string;
}

export type TrainingOutcome =
  | { trained: true; version: number; samples: number; auc: number }
  | { trained: false; reason: 'insufficient-data' | 'unchanged' };

/** The job of the `analytics` queue that trains a tenant's model. */
export interface LeadScoreJob {
  kind: 'lead-score';
}

const LATEST_MODEL_SQL =
  'select version, trained_at, samples, auc, weights, data_digest from lead_score_models order by version desc limit 1';
const LABEL_COUNTS_SQL = `select count(*) filter (where status = 'converted')::int as positives,
  count(*) filter (where status = 'lost')::int as negatives from leads where status in ('converted', 'lost')`;
/** One training per tenant database at a time: a transaction-scoped lock (PgBouncer-safe). */
const TRAINING_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('tessera:lead-score-training'))`;

/**
 * The tenant's lead score: a logistic regression trained by a job on its own converted (1) and lost
 * (0) leads, from features computed in its own database; stored with its version, samples and
 * held-out AUC. Nothing leaves the tenant's database and no outside service is called.
 */
@Injectable()
export class LeadScoreService {
  private readonly logger = new Logger('LeadScore');

  constructor(
    private readonly tenancy: TenantContext,
    private readonly jobs: JobQueue,
    @Inject(LEAD_SCORE_OPTIONS) private readonly options: LeadScoreOptions,
  ) {}

  async score(user: Principal, id: string): Promise<LeadScoreView> {
    const em = this.tenancy.em;
    await findVisible(em, Lead, user, id, 'lead');
    const [model] = (await readRows(em, LATEST_MODEL_SQL, [])) as unknown as ModelRow[];
    if (!model)
      throw AnalyticsErrors.insufficientData('There is no lead score model yet: too few converted and lost leads.');
    const row = await leadRow(em, id);
    if (!row) throw AnalyticsErrors.insufficientData('The lead has no features.'); // deleted between the two reads
    const values = featureValues(row, model.weights.sources);
    const parts = contributions(model.weights, values);
    const score = sigmoid(parts.reduce((sum, c) => sum + c, model.weights.intercept));
    const rounded = Math.round(score * 10_000) / 10_000;
    return {
      score: rounded,
      band: bandOf(score),
      factors: parts
        .map((weight, j) => ({ feature: model.weights.features[j], weight: Math.round(weight * 10_000) / 10_000 }))
        .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1))
        .slice(0, 5),
      model: {
        version: model.version,
        trainedAt: new Date(model.trained_at).toISOString(),
        samples: model.samples,
        auc: model.auc,
      },
    };
  }

  /**
   * Queues a training (409 below the minimum sample). Requests while one is queued for the same data
   * share its job (the id names the newest version and the labelled count); the job's lock and data
   * digest make any duplicate a no-op.
   */
  async requestTraining(correlationId: string): Promise<LeadScoreTraining> {
    const em = this.tenancy.em;
    const [{ positives, negatives }] = (await readRows(em, LABEL_COUNTS_SQL, [])) as {
      positives: number;
      negatives: number;
    }[];
    this.assertEnough(positives, negatives);
    const [latest] = (await readRows(em, 'select max(version) as version from lead_score_models', [])) as {
      version: number | null;
    }[];
    const tenant = this.tenancy.tenant;
    await this.jobs.enqueue<LeadScoreJob>(
      'analytics',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId, data: { kind: 'lead-score' } },
      {
        jobId: `lead-score:${tenant.id}:v${latest.version ?? 0}:n${positives + negatives}`,
        attempts: 2,
        backoffMs: 5000,
      },
    );
    return { status: 'queued', currentVersion: latest.version };
  }

  /** The job (in the tenant's context): trains and stores the next version, unless the data did not change. */
  async train(): Promise<TrainingOutcome> {
    return this.tenancy.em.transactional(async (tx) => {
      await readRows(tx, TRAINING_LOCK_SQL, []);
      return this.trainLocked(tx);
    });
  }

  private async trainLocked(tx: EntityManager): Promise<TrainingOutcome> {
    const started = Date.now();
    const rows = await labelledRows(tx);
    const positives = rows.filter((r) => r.status === 'converted').length;
    if (!this.enough(positives, rows.length - positives)) return { trained: false, reason: 'insufficient-data' };
    const sources = topSources(rows);
    const { x, y } = designMatrix(rows, sources);
    const digest = createHash('sha256')
      .update(JSON.stringify(sources))
      .update(new Uint8Array(x.values.buffer))
      .update(y)
      .digest('hex');
    const [latest] = (await readRows(tx, LATEST_MODEL_SQL, [])) as unknown as ModelRow[];
    if (latest?.data_digest === digest) return { trained: false, reason: 'unchanged' };

    const { trainRows, testRows } = stratifiedSplit(y, this.options.testShare, this.options.seed);
    const model = train(
      pickRows(x, trainRows),
      Uint8Array.from(trainRows, (i) => y[i]),
      { iterations: this.options.iterations },
    );
    const test = pickRows(x, testRows);
    const scores = testRows.map((_, k) => predict(model, test.values.subarray(k * x.columns, (k + 1) * x.columns)));
    const heldOutAuc =
      Math.round(
        auc(
          scores,
          testRows.map((i) => y[i]),
        ) * 10_000,
      ) / 10_000;
    const weights: StoredWeights = { features: featureNames(sources), sources, ...model };
    const version = (latest?.version ?? 0) + 1;
    await readRows(
      tx,
      `insert into lead_score_models (version, samples, positives, auc, weights, data_digest) values ($1, $2, $3, $4, $5, $6)`,
      [version, rows.length, positives, heldOutAuc, JSON.stringify(weights), digest],
    );
    this.logger.log(
      `lead score model v${version}: ${rows.length} samples, AUC ${heldOutAuc}, ${Date.now() - started} ms`,
    );
    return { trained: true, version, samples: rows.length, auc: heldOutAuc };
  }

  private enough(positives: number, negatives: number): boolean {
    const { minSamples, minPerClass } = this.options;
    return positives + negatives >= minSamples && positives >= minPerClass && negatives >= minPerClass;
  }

  private assertEnough(positives: number, negatives: number): void {
    if (this.enough(positives, negatives)) return;
    const { minSamples, minPerClass } = this.options;
    throw AnalyticsErrors.insufficientData(
      `Training needs at least ${minSamples} converted or lost leads, ${minPerClass} of each; there are ${positives} converted and ${negatives} lost.`,
    );
  }
}
