import { Module } from '@nestjs/common';
import { DealsModule } from './deals/deals.module';
import { LeadsModule } from './leads/leads.module';
import { ReportsModule } from './reports/reports.module';
import { UsersModule } from './users/users.module';

/** The tenant domain: what tenants pay for. */
@Module({ imports: [UsersModule, LeadsModule, DealsModule, ReportsModule] })
export class CrmModule {}
