import { Access, COMPANY_ADMINS, NoStore, NotInSupportSession } from '@app/auth';
import {
  ApiAnswer,
  ApiNoContent,
  ApiPage,
  ApiProblems,
  IfMatch,
  Located,
  Page,
  PathId,
  type Precondition,
  UuidPipe,
  Versioned,
} from '@app/common';
import { PlanFeatureRoute } from '@app/tenancy';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { ListWebhookAttemptsQuery } from './dto/list-webhook-attempts.query';
import { ListWebhooksQuery } from './dto/list-webhooks.query';
import { UpdateWebhookDto } from './dto/update-webhook.dto';
import {
  CreatedWebhookView,
  RetriedDeliveryView,
  RotatedSecretView,
  WebhookAttemptView,
  WebhookView,
} from './webhook.view';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Access({ roles: COMPANY_ADMINS })
@PlanFeatureRoute('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @ApiOperation({ operationId: 'listWebhooks', summary: 'List webhook endpoints' })
  @ApiPage(WebhookView)
  @Get()
  list(@Query() query: ListWebhooksQuery): Promise<Page<WebhookView>> {
    return this.webhooks.list(query);
  }

  @ApiOperation({ operationId: 'createWebhook', summary: 'Create a webhook endpoint (its secret is shown once)' })
  @ApiAnswer(201, CreatedWebhookView, { located: true })
  @NotInSupportSession()
  @Post()
  @NoStore()
  @Located((created: CreatedWebhookView) => `/webhooks/${created.id}`)
  create(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookView> {
    return this.webhooks.create(dto);
  }

  @ApiOperation({ operationId: 'getWebhook', summary: 'Get a webhook endpoint' })
  @ApiAnswer(200, WebhookView)
  @Versioned()
  @Get(':id')
  get(@PathId() id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @ApiOperation({ operationId: 'updateWebhook', summary: 'Change a webhook endpoint (active: true enables it again)' })
  @ApiAnswer(200, WebhookView)
  @NotInSupportSession()
  @Versioned()
  @Patch(':id')
  update(
    @PathId() id: string,
    @Body() dto: UpdateWebhookDto,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<WebhookView> {
    return this.webhooks.update(id, dto, precondition);
  }

  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook endpoint and its delivery log' })
  @ApiNoContent()
  @NotInSupportSession()
  @Versioned()
  @Delete(':id')
  @HttpCode(204)
  remove(@PathId() id: string, @IfMatch() precondition: Precondition | undefined): Promise<void> {
    return this.webhooks.remove(id, precondition);
  }

  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'A new signing secret (shown once); the old one keeps signing for 24 h',
  })
  @ApiAnswer(200, RotatedSecretView)
  @NotInSupportSession()
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @NoStore()
  rotateSecret(@PathId() id: string): Promise<RotatedSecretView> {
    return this.webhooks.rotateSecret(id);
  }

  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "The endpoint's delivery attempts, newest first (one row per attempt)",
  })
  @ApiPage(WebhookAttemptView)
  @Get(':id/deliveries')
  attempts(@PathId() id: string, @Query() query: ListWebhookAttemptsQuery): Promise<Page<WebhookAttemptView>> {
    return this.webhooks.attempts(id, query);
  }

  @ApiOperation({
    operationId: 'retryWebhookDelivery',
    summary: 'Send the delivery of an attempt (its id from the attempt log) again now',
  })
  @ApiParam({ name: 'deliveryId', description: 'an attempt id from GET /webhooks/{id}/deliveries', format: 'uuid' })
  @ApiAnswer(202, RetriedDeliveryView, { description: 'Accepted: the delivery is due now' })
  @ApiProblems({ 409: 'The delivery is still pending, or its event left the 30-day log' })
  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  retry(@PathId() id: string, @Param('deliveryId', UuidPipe) attemptId: string): Promise<RetriedDeliveryView> {
    return this.webhooks.retry(id, attemptId);
  }
}
