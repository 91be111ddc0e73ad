import { ApiAnswer } from '@app/common';
import { WithoutTenant } from '@app/tenancy';
import { Controller, Get } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { Public } from './auth.decorators';
import { JsonWebKeySet, KeyStore } from './key-store';

@ApiTags('auth')
@Public()
@WithoutTenant()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyStore) {}

  @ApiOperation({ operationId: 'getJwks', summary: 'Public keys that verify access tokens (JWKS)' })
  @ApiAnswer(200, JsonWebKeySet)
  @Get('jwks.json')
  jwks(): JsonWebKeySet {
    return this.keys.jwks();
  }
}
