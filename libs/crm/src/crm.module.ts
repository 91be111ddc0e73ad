import { Module } from '@nestjs/common';
import { LeadsModule } from './leads/leads.module';
import { UsersModule } from './users/users.module';

/** The tenant domain: what tenants pay for. */
@Module({ imports: [UsersModule, LeadsModule] })
export class CrmModule {}
