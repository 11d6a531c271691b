import { isIP } from 'node:net';

/**
 * The network a client address is counted by: an IPv4 address as it is (IPv4-mapped IPv6 unwrapped), an IPv6
 * client by its /64, the block a single subscriber usually holds, so it cannot rotate through addresses to dodge a
 * limit. Null when there is no address.
 */
export function clientNetworkOf(address: string | null): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped?.[1] ?? address;
  return isIP(ip) === 6 ? ipv6Prefix64(ip) : ip;
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
