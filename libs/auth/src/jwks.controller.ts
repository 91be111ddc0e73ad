import { WithoutTenant } from '@app/tenancy';
import { Controller, Get } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { Public } from './auth.decorators';
import { KeyStore } from './key-store';

@ApiTags('auth')
@Public()
@WithoutTenant()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyStore) {}

  @ApiOperation({ operationId: 'getJwks', summary: 'Public keys that verify access tokens (JWKS)' })
  @Get('jwks.json')
  jwks(): ReturnType<KeyStore['jwks']> {
    return this.keys.jwks();
  }
}
