export { EventsModule } from './events.module';
export { EVENTS_TENANT_MIGRATIONS } from './migrations';
