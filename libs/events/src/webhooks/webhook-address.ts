import { BlockList, isIP } from 'node:net';

/** Networks no webhook may reach, even in development: unspecified, link-local (cloud metadata), multicast, reserved. */
const NEVER = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['169.254.0.0', 16],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NEVER.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2001::', 32],
  ['fd00:ec2::254', 128],
] as const)
  NEVER.addSubnet(net, bits, 'ipv6');

/** Loopback and private networks: refused unless WEBHOOKS_ALLOW_PRIVATE=true (development and tests). */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
PRIVATE.addSubnet('::1', 128, 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

/** Host names of cloud metadata services and of this machine. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
]);

/** The 16 bytes of an IPv6 address (embedded dotted quads included). */
function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const quad = (at: number) => b.slice(at, at + 4).join('.');
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return quad(12); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 15)) return quad(12); // ::a.b.c.d (compatible), not :: or ::1
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return quad(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2); // 2002::/16 (6to4)
  return undefined;
}

/** Why an address may not be a webhook's, or undefined when it may. */
export function refusedAddress(address: string, allowPrivate: boolean): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'is not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return refusedAddress(v4, allowPrivate);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (NEVER.check(address, type)) return 'is a link-local, metadata, multicast or reserved address';
  if (!allowPrivate && PRIVATE.check(address, type)) return 'is a loopback or private address';
  return undefined;
}

/** Why a host name may not be a webhook's (before resolving it), or undefined. */
export function refusedHostName(host: string, allowPrivate: boolean): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(name)) return 'is a metadata service';
  if (!allowPrivate && (name === 'localhost' || name.endsWith('.localhost'))) return 'is this machine';
  return undefined;
}

/** The bare address of an IP-literal URL host (`[::1]` → `::1`), or undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}
