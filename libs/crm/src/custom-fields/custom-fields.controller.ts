import { Access, COMPANY_ADMINS, TENANT_USERS } from '@app/auth';
import {
  ApiAnswer,
  ApiNoContent,
  ApiPage,
  ApiProblems,
  IfMatch,
  Located,
  NotFoundException,
  Page,
  type Precondition,
  Versioned,
} from '@app/common';
import { PlanFeatureRoute } from '@app/tenancy';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CustomFieldView } from './custom-field.entity';
import { CUSTOM_FIELD_ENTITIES, CUSTOM_FIELD_KEY, type CustomFieldEntity } from './custom-field-types';
import { CustomFieldsService } from './custom-fields.service';
import { CreateCustomFieldDto } from './dto/create-custom-field.dto';
import { ListCustomFieldsQuery } from './dto/list-custom-fields.query';
import { ArchiveCustomFieldQuery } from './dto/purge.query';
import { UpdateCustomFieldDto } from './dto/update-custom-field.dto';

/** `:entity/:key` of a definition: anything that cannot name one is a 404, like an unknown one. */
function definition(entity: string, key: string): [CustomFieldEntity, string] {
  if (!(CUSTOM_FIELD_ENTITIES as readonly string[]).includes(entity) || !CUSTOM_FIELD_KEY.test(key))
    throw new NotFoundException('No such custom field.');
  return [entity as CustomFieldEntity, key];
}

const ENTITY_PARAM = ApiParam({ name: 'entity', enum: CUSTOM_FIELD_ENTITIES });
const KEY_PARAM = ApiParam({ name: 'key', schema: { type: 'string', pattern: CUSTOM_FIELD_KEY.source } });

@ApiTags('custom-fields')
@Controller('custom-fields')
export class CustomFieldsController {
  constructor(private readonly fields: CustomFieldsService) {}

  @ApiOperation({ operationId: 'listCustomFields', summary: 'List custom field definitions (archived included)' })
  @ApiPage(CustomFieldView)
  @Access({ roles: TENANT_USERS })
  @Get()
  list(@Query() query: ListCustomFieldsQuery): Promise<Page<CustomFieldView>> {
    return this.fields.list(query);
  }

  @ApiOperation({ operationId: 'createCustomField', summary: 'Define a custom field of leads or deals' })
  @ApiAnswer(201, CustomFieldView, { located: true })
  @ApiProblems({ 409: 'A definition of this key exists (archived ones included)' })
  @Access({ roles: COMPANY_ADMINS })
  @PlanFeatureRoute('customFields')
  @Versioned()
  @Post()
  @Located((field: CustomFieldView) => `/custom-fields/${field.entity}/${field.key}`)
  create(@Body() dto: CreateCustomFieldDto): Promise<CustomFieldView> {
    return this.fields.create(dto);
  }

  @ApiOperation({ operationId: 'getCustomField', summary: 'Get a custom field definition' })
  @ApiAnswer(200, CustomFieldView)
  @ENTITY_PARAM
  @KEY_PARAM
  @Access({ roles: TENANT_USERS })
  @Versioned()
  @Get(':entity/:key')
  get(@Param('entity') entity: string, @Param('key') key: string): Promise<CustomFieldView> {
    return this.fields.get(...definition(entity, key));
  }

  @ApiOperation({
    operationId: 'updateCustomField',
    summary: 'Change a custom field definition; archived: false restores an archived one',
  })
  @ApiAnswer(200, CustomFieldView)
  @ApiProblems({ 409: 'Stored values do not fit the new type or options (badValues), or are not unique' })
  @ENTITY_PARAM
  @KEY_PARAM
  @Access({ roles: COMPANY_ADMINS })
  @PlanFeatureRoute('customFields')
  @Versioned()
  @Patch(':entity/:key')
  update(
    @Param('entity') entity: string,
    @Param('key') key: string,
    @Body() dto: UpdateCustomFieldDto,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<CustomFieldView> {
    return this.fields.update(...definition(entity, key), dto, precondition);
  }

  @ApiOperation({
    operationId: 'archiveCustomField',
    summary: 'Archive a custom field (values kept, hidden); purge=true also removes the values by a job',
  })
  @ApiNoContent()
  @ENTITY_PARAM
  @KEY_PARAM
  @Access({ roles: COMPANY_ADMINS })
  @PlanFeatureRoute('customFields')
  @Versioned()
  @Delete(':entity/:key')
  @HttpCode(204)
  archive(
    @Param('entity') entity: string,
    @Param('key') key: string,
    @Query() query: ArchiveCustomFieldQuery,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<void> {
    return this.fields.archive(...definition(entity, key), query.purge === 'true', precondition);
  }
}
