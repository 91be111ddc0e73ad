import { ApiAnswer, Versioned } from '@app/common';
import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access.decorator';
import { CurrentUser } from '../auth.decorators';
import { COMPANY_ADMINS, type Principal } from '../roles';
import { SupportAccessSettingsDto } from './dto/support-access-settings.dto';
import { NotInSupportSession } from './not-in-support-session.decorator';
import { SupportSettingsService } from './support-settings.service';

@ApiTags('support-access')
@Access({ roles: COMPANY_ADMINS })
@Controller('settings/support-access')
export class SupportAccessSettingsController {
  constructor(private readonly settings: SupportSettingsService) {}

  @ApiOperation({ operationId: 'getSupportAccess', summary: 'Whether the platform team may act as your users' })
  @ApiAnswer(200, SupportAccessSettingsDto)
  @Versioned()
  @Get()
  get(): Promise<SupportAccessSettingsDto> {
    return this.settings.get();
  }

  @ApiOperation({
    operationId: 'replaceSupportAccess',
    summary: 'Set support access: off, approval or always, and the longest session (off ends live sessions)',
  })
  @ApiAnswer(200, SupportAccessSettingsDto)
  @NotInSupportSession()
  @Versioned()
  @Put()
  replace(@CurrentUser() admin: Principal, @Body() dto: SupportAccessSettingsDto): Promise<SupportAccessSettingsDto> {
    return this.settings.replace(admin, dto);
  }
}
