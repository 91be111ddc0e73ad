import { TenantContext } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../roles';
import { SupportAccessSettingsDto } from './dto/support-access-settings.dto';
import { type EndedSessions, repository, SupportSessionsService } from './support-sessions.service';

/** The tenant's support-access settings: `off` (the default), `approval` or `always`, and `maxMinutes`. */
@Injectable()
export class SupportSettingsService {
  constructor(
    private readonly tenancy: TenantContext,
    private readonly sessions: SupportSessionsService,
  ) {}

  async get(): Promise<SupportAccessSettingsDto> {
    return repository(this.tenancy.em).settings();
  }

  /**
   * Replaces the settings (an audited update of the tenant's one row). Turning support access
   * `off` also ends every live request and session, in the same transaction.
   */
  async replace(admin: Principal, dto: SupportAccessSettingsDto): Promise<SupportAccessSettingsDto> {
    let ended: EndedSessions | undefined;
    await this.tenancy.em.transactional(async (tx) => {
      const row = await repository(tx).settingsRow();
      row.mode = dto.mode;
      row.maxMinutes = dto.maxMinutes;
      row.updatedBy = admin.sub;
      await tx.flush();
      if (dto.mode === 'off')
        ended = await this.sessions.endLive(tx, 'support-access-off', { id: admin.sub, role: admin.role });
    });
    if (ended) await this.sessions.ended(ended);
    return { mode: dto.mode, maxMinutes: dto.maxMinutes };
  }
}
