import { ValidationException } from '@app/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CrmErrors } from '../crm.exception';
import { CustomFieldRegistry } from './custom-field-registry';
import {
  answerValues,
  applyInput,
  type CustomFieldEntity,
  type FieldRule,
  type StoredValues,
} from './custom-field-types';

/** The name of the custom field index a unique violation names, if it is one of this entity. */
function violatedIndex(error: unknown): string | undefined {
  let current = error as { constraint?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++, current = current.cause as typeof current)
    if (typeof current.constraint === 'string') return current.constraint;
  return undefined;
}

/**
 * Custom values of leads and deals: validated against the tenant's definitions (confirmed in the
 * writing transaction), answered with archived keys hidden and money as decimal strings.
 */
@Injectable()
export class CustomFieldValues {
  constructor(private readonly registry: CustomFieldRegistry) {}

  /** The entity's definitions as the cache holds them (for views and list filters). */
  async rules(entity: CustomFieldEntity): Promise<FieldRule[]> {
    return (await this.registry.of(entity)).rules;
  }

  /**
   * In the writing transaction (`em`): the record's new stored values from a request's
   * `customFields`, checked against the definitions of the version this transaction locked
   * FOR SHARE (a definition change waits for it). A tenant with no live definition for the entity
   * and a request without values skip the lock. Problems → 400 naming `customFields.<key>`.
   */
  async apply(
    em: EntityManager,
    entity: CustomFieldEntity,
    current: StoredValues,
    input: unknown,
    creating: boolean,
  ): Promise<{ values: StoredValues; rules: FieldRule[] }> {
    const cached = await this.registry.of(entity);
    if (input === undefined && !cached.rules.some((rule) => !rule.archived))
      return { values: current, rules: cached.rules };
    const { rules } = await this.registry.confirm(em, entity, cached);
    const { values, problems } = applyInput(rules, current, input, creating);
    if (problems.length) throw new ValidationException(problems);
    return { values, rules };
  }

  answer(rules: readonly FieldRule[], stored: unknown): StoredValues {
    return answerValues(rules, stored);
  }

  /** A unique custom field index refusing a write → 409 naming `customFields.<key>`; else undefined. */
  uniqueProblem(entity: CustomFieldEntity, error: unknown): Error | undefined {
    const index = violatedIndex(error);
    const prefix = `cf_${entity}_`;
    return index?.startsWith(prefix) ? CrmErrors.valueTaken(index.slice(prefix.length)) : undefined;
  }
}
