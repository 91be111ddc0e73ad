import { SetMetadata } from '@nestjs/common';

export const WITHOUT_TENANT = 'tessera:without-tenant';

/** Marks a controller or route that serves no tenant (platform API, health, keys): no tenant is resolved. */
export const WithoutTenant = () => SetMetadata(WITHOUT_TENANT, true);
