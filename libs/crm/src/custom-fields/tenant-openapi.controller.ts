import { Access, TENANT_USERS } from '@app/auth';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantOpenApi } from './tenant-openapi';

@ApiTags('custom-fields')
@Controller('openapi.json')
export class TenantOpenApiController {
  constructor(private readonly openApi: TenantOpenApi) {}

  @ApiOperation({
    operationId: 'getTenantOpenApi',
    summary: "This tenant's OpenAPI document: its custom fields as typed properties and list parameters",
  })
  @ApiOkResponse({ description: 'An OpenAPI 3.0 document', schema: { type: 'object', additionalProperties: true } })
  @Access({ roles: TENANT_USERS })
  @Get()
  get(): Promise<object> {
    return this.openApi.document();
  }
}
