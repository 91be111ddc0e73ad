import { Module } from '@nestjs/common';
import { AuditAnchors } from './audit-anchors';

/** Anchoring of the tenants' audit chains in the catalog: in every process that writes audit entries. */
@Module({ providers: [AuditAnchors], exports: [AuditAnchors] })
export class AuditAnchorsModule {}
