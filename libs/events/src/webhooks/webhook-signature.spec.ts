import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook, webhookHeaders } from './webhook-signature';

const body = JSON.stringify({ id: 'e1', type: 'lead.created', data: { name: 'Zoë' } });

describe('webhook signatures (Standard Webhooks)', () => {
  it('makes secrets of the whsec_ form with 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs so that the standardwebhooks package verifies it', () => {
    const secret = newWebhookSecret();
    const headers = webhookHeaders([secret], 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('carries both signatures during a rotation, each verifying with its own secret', () => {
    const [fresh, old] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders([fresh, old], 'msg_2', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(fresh).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(old).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('signs <id>.<timestamp>.<body>: another body or id does not verify', () => {
    const secret = newWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], 'msg_3', ts, body);
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_4' })).toThrow();
    expect(signWebhook(secret, 'msg_3', ts, body)).toBe(headers['webhook-signature']);
  });
});
