import { Module } from '@nestjs/common';
import { AnalyticsModule } from './analytics/analytics.module';
import { CustomFieldsModule } from './custom-fields/custom-fields.module';
import { DealsModule } from './deals/deals.module';
import { LeadsModule } from './leads/leads.module';
import { ReportsModule } from './reports/reports.module';

/** The tenant domain: what tenants pay for. */
@Module({ imports: [LeadsModule, DealsModule, ReportsModule, AnalyticsModule] })
@Module({ imports: [LeadsModule, DealsModule, ReportsModule, CustomFieldsModule] })
export class CrmModule {}
