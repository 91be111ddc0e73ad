import { Migration } from '@mikro-orm/migrations';

const STARTER_FEATURES = JSON.stringify(['exports', 'customFields', 'webhooks', 'events']);

/**
 * Catalog: the seeded `starter` plan gains custom fields, webhooks and the event log. It carried limits
 * for custom fields (5) and webhooks (1) without the features, which said nothing. A new version of its
 * terms is recorded; a starter plan an operator already changed (version above 1) is left alone.
 */
export class Migration20261208001425 extends Migration {
  override up(): void {
    this.addSql(`update "plans" set "features" = '${STARTER_FEATURES}', "version" = 2, "updated_at" = now()
      where "code" = 'starter' and "version" = 1 and "features" = '["exports"]'::jsonb;`);
    this.addSql(`insert into "plan_versions" ("code", "version", "name", "limits", "features", "created_by")
      select "code", "version", "name", "limits", "features", 'system' from "plans"
       where "code" = 'starter' and "version" = 2
      on conflict ("code", "version") do nothing;`);
  }

  override down(): void {}
}
