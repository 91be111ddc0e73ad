import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  PRIVACY_REQUEST_STATUSES,
  PRIVACY_REQUEST_TYPES,
  type PrivacyRequest,
  type PrivacyRequestResult,
  type PrivacyRequestStatus,
  type PrivacyRequestType,
} from './privacy-request.entity';

export class PrivacyRequestResultView {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'leads with that e-mail (found, or erased)' })
  leads: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'deals of those leads' })
  deals: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'audit entries about them (found, or redacted)' })
  auditEntries: number;
}

/** A privacy request and, once done, what it found or erased. */
export class PrivacyRequestView {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: PRIVACY_REQUEST_TYPES, enumName: 'PrivacyRequestType' })
  type: PrivacyRequestType;

  @ApiProperty({ enum: PRIVACY_REQUEST_STATUSES, enumName: 'PrivacyRequestStatus' })
  status: PrivacyRequestStatus;

  @NullableText({ format: 'email', description: 'null once an erasure of this address is done' })
  email: string | null;

  @ApiPropertyOptional({ type: PrivacyRequestResultView, description: 'present once done' })
  result?: PrivacyRequestResult;

  @TimeProperty()
  createdAt: string;

  @TimeProperty({ nullable: true })
  completedAt: string | null;

  @TimeProperty({ nullable: true, description: "an access request's zip is removed then (7 days)" })
  expiresAt: string | null;

  @NullableText({ description: 'why it failed' })
  error: string | null;
}

export function toPrivacyRequestView(record: PrivacyRequest): PrivacyRequestView {
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    email: record.email ?? null,
    ...(record.result ? { result: record.result } : {}),
    createdAt: record.createdAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    error: record.error ?? null,
  };
}
