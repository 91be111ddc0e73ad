import { Check, Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export const SUPPORT_ACCESS_MODES = ['off', 'approval', 'always'] as const;
export type SupportAccessMode = (typeof SUPPORT_ACCESS_MODES)[number];

export const MAX_SUPPORT_MINUTES = 480;
export const DEFAULT_SUPPORT_MINUTES = 60;

/** Whether the platform team may act as the tenant's users, and for how long at most. One row; none means `off`. */
@Entity({ tableName: 'support_access_settings' })
@Check({ name: 'support_access_settings_single_row', expression: '"id" = 1' })
@Check({ name: 'support_access_settings_max_minutes_min', expression: '"max_minutes" >= 1' })
@Check({ name: 'support_access_settings_max_minutes_max', expression: '"max_minutes" <= 480' })
export class SupportAccessSettings {
  [OptionalProps]?: 'id' | 'updatedAt';

  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id: number = 1;

  @Enum({ items: () => SUPPORT_ACCESS_MODES, type: 'text' })
  mode: SupportAccessMode;

  @Property({ type: 'integer' })
  maxMinutes: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** The company admin who set them last. */
  @Property({ type: 'uuid', nullable: true })
  updatedBy?: string | null;
}
