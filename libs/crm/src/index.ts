export * from './crm.module';
export * from './leads/lead.entity';
export * from './tenant-schema';
export * from './deals/deal.entity';
