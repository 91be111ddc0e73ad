import { ApiAnswer, ApiNoContent, ApiPage, Located, Page, PathId } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { Access } from '../access.decorator';
import { CurrentUser, NoStore } from '../auth.decorators';
import { COMPANY_ADMINS, type Principal } from '../roles';
import { NotInSupportSession } from '../support-access/not-in-support-session.decorator';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ListApiKeysQuery } from './dto/list-api-keys.query';

@ApiTags('api-keys')
@Access({ roles: COMPANY_ADMINS })
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiOperation({ operationId: 'listApiKeys', summary: 'List API keys' })
  @ApiPage(ApiKeyView)
  @Get()
  list(@Query() query: ListApiKeysQuery): Promise<Page<ApiKeyView>> {
    return this.keys.list(query);
  }

  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key (shown once)' })
  @ApiAnswer(201, CreatedApiKey, { located: true })
  @NotInSupportSession()
  @Post()
  @NoStore()
  @Located((key: CreatedApiKey) => `/api-keys/${key.id}`)
  create(@CurrentUser() user: Principal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.create(user, dto);
  }

  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key' })
  @ApiNoContent()
  @NotInSupportSession()
  @Delete(':id')
  @HttpCode(204)
  revoke(@PathId() id: string): Promise<void> {
    return this.keys.revoke(id);
  }
}
