import { APP_CONFIG, AppConfig, loadOrCreateDevSecret } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';

export const JWT_ALGORITHM = 'ES256';

/** One public key of the set (RFC 7517): an EC P-256 key that verifies ES256 tokens. */
export class PublicJwk {
  @ApiProperty({ enum: ['EC'] })
  kty: string;

  @ApiProperty({ enum: ['P-256'] })
  crv: string;

  @ApiProperty({ description: 'base64url x coordinate' })
  x: string;

  @ApiProperty({ description: 'base64url y coordinate' })
  y: string;

  @ApiProperty({ description: 'the key id (RFC 7638 thumbprint), the `kid` of the tokens it verifies' })
  kid: string;

  @ApiProperty({ enum: ['sig'] })
  use: string;

  @ApiProperty({ enum: [JWT_ALGORITHM] })
  alg: string;
}

/** The keys that verify access tokens (JWKS). */
export class JsonWebKeySet {
  @ApiProperty({ type: [PublicJwk] })
  keys: PublicJwk[];
}

export interface SigningKey {
  kid: string;
  privateKeyPem: string;
}

/** RFC 7638 thumbprint of an EC public key: a stable `kid`. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The access-token keys: one signs, every listed one verifies (by `kid`), so keys rotate
 * without downtime: the new private key signs while JWT_PREVIOUS_PUBLIC_KEYS keeps the old
 * one verifying. In development the signing key is generated once into the git-ignored
 * keys folder.
 */
@Injectable()
export class KeyStore {
  readonly signing: SigningKey;
  private readonly verifying = new Map<string, KeyObject>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const pem =
      config.jwt.privateKeyPem ??
      loadOrCreateDevSecret(config.keysDir, 'jwt-es256.pem', () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      );
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('JWT_PRIVATE_KEY must be an EC P-256 key (ES256)');
    }
    const publicKey = createPublicKey(privateKey);
    const kid = thumbprint(publicKey.export({ format: 'jwk' }));
    this.signing = { kid, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    this.verifying.set(kid, publicKey);
    // Keys retired by a rotation keep verifying the tokens they signed until those expire.
    for (const pem of config.jwt.previousPublicKeysPem?.match(
      /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g,
    ) ?? []) {
      const previous = createPublicKey(pem);
      if (previous.asymmetricKeyType !== 'ec' || previous.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error('JWT_PREVIOUS_PUBLIC_KEYS must hold EC P-256 public keys (ES256)');
      }
      this.verifying.set(thumbprint(previous.export({ format: 'jwk' })), previous);
    }
  }

  /** The verification key with this id (a KeyObject: no PEM parsing per request), or undefined for a key we never issued. */
  verificationKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.verifying.get(kid) : undefined;
  }

  jwks(): JsonWebKeySet {
    return {
      keys: [...this.verifying.entries()].map(([kid, key]) => {
        const { kty = 'EC', crv = 'P-256', x = '', y = '' } = key.export({ format: 'jwk' });
        return { kty, crv, x, y, kid, use: 'sig', alg: JWT_ALGORITHM };
      }),
    };
  }
}
