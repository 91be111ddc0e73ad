import { literalAddress, refusedAddress, refusedHostName } from './webhook-address';

describe('refusedAddress', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
  ])('refuses the loopback or private address %s', (address) => {
    expect(refusedAddress(address, false)).toBe('is a loopback or private address');
  });

  it.each([
    '169.254.169.254',
    '169.254.1.1',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    'fe80::1',
    'ff02::1',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
  ])(
    'refuses the link-local, metadata, multicast or reserved address %s even when private ones are allowed',
    (address) => {
      expect(refusedAddress(address, true)).toBe('is a link-local, metadata, multicast or reserved address');
      expect(refusedAddress(address, false)).toBeDefined();
    },
  );

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'lets the public address %s through',
    (address) => {
      expect(refusedAddress(address, false)).toBeUndefined();
    },
  );

  it('lets loopback and private addresses through only when WEBHOOKS_ALLOW_PRIVATE allows them', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '::ffff:127.0.0.1'])
      expect(refusedAddress(address, true)).toBeUndefined();
  });

  it('refuses what is not an IP address', () => {
    expect(refusedAddress('example.com', true)).toBe('is not an IP address');
  });
});

describe('refusedHostName', () => {
  it('refuses metadata service names always, and localhost unless private addresses are allowed', () => {
    expect(refusedHostName('metadata.google.internal', true)).toBe('is a metadata service');
    expect(refusedHostName('METADATA.google.internal.', true)).toBe('is a metadata service');
    expect(refusedHostName('localhost', false)).toBe('is this machine');
    expect(refusedHostName('api.localhost', false)).toBe('is this machine');
    expect(refusedHostName('localhost', true)).toBeUndefined();
    expect(refusedHostName('hooks.example.com', false)).toBeUndefined();
  });
});

describe('literalAddress', () => {
  it('reads the address of an IP-literal URL host, as WHATWG URL normalizes it', () => {
    expect(literalAddress(new URL('https://127.1/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://0x7f000001/').hostname)).toBe('127.0.0.1');
    expect(literalAddress(new URL('https://[::ffff:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
    expect(literalAddress(new URL('https://hooks.example.com/').hostname)).toBeUndefined();
  });
});
