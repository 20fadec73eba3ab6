// Which network addresses a URL named by a client (a notification endpoint, a remote @context, a
// context source, a data provider) may reach. Refused unless allow-listed: loopback, private
// (RFC 1918, RFC 6598 shared, fc00::/7 and the old fec0::/10), link-local (169.254/16 with the
// cloud metadata service, fe80::/10), unspecified, multicast, reserved/broadcast (240/4), and the
// IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16), judged by the IPv4 address inside.
import net from 'node:net';

export interface OutboundSettings {
  /** 'allow': no address check (development, tests, the demo); 'refuse': the check above. */
  privateNetworks: 'allow' | 'refuse';
  /** Hosts (`broker.city.example.jp`, `*.city.example.jp`) and addresses/CIDRs always allowed. */
  allow: string[];
}

interface Cidr {
  bytes: number[];
  prefix: number;
}

/** The bytes of an IPv4 (4) or IPv6 (16) address; undefined if `ip` is not one. Zone ids dropped. */
export function ipBytes(ip: string): number[] | undefined {
  const text = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const kind = net.isIP(text);
  if (kind === 4) return text.split('.').map(Number);
  if (kind !== 6) return undefined;
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes its two 16-bit words.
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [left = '', right] = hex.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const l = words(left);
  const r = words(right ?? '');
  const all = right === undefined ? l : [...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function inCidr(bytes: number[], cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const mask = cidr.prefix - bit >= 8 ? 0xff : (0xff << (8 - (cidr.prefix - bit))) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (cidr.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a single address; undefined if it is neither. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText] = text.split('/');
  const bytes = ipBytes(address ?? '');
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: max };
  if (!/^\d+$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { bytes, prefix: Number(prefixText) };
}

const V4_REFUSED: Array<[string, string]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'private (shared address space)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];
const V6_REFUSED: Array<[string, string]> = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'private (unique-local)'],
  ['fec0::/10', 'private (site-local)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];
const parsed = (list: Array<[string, string]>) => list.map(([c, why]) => ({ cidr: parseCidr(c)!, why }));
const V4 = parsed(V4_REFUSED);
const V6 = parsed(V6_REFUSED);
const EMBEDDING = [
  { cidr: parseCidr('::ffff:0:0/96')!, at: 12 }, // IPv4-mapped
  { cidr: parseCidr('64:ff9b::/96')!, at: 12 }, // NAT64
  { cidr: parseCidr('::/96')!, at: 12 }, // IPv4-compatible (deprecated)
  { cidr: parseCidr('2002::/16')!, at: 2 }, // 6to4
];

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedV4(bytes: number[]): number[] | undefined {
  if (bytes.length !== 16) return undefined;
  const form = EMBEDDING.find((e) => inCidr(bytes, e.cidr));
  return form ? bytes.slice(form.at, form.at + 4) : undefined;
}

/** Why `ip` is not a public address ('loopback', 'private', …), or undefined when it is one. */
export function specialUse(ip: string): string | undefined {
  const bytes = ipBytes(ip);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 16) {
    const v6 = V6.find((r) => inCidr(bytes, r.cidr));
    if (v6) return v6.why;
    const v4 = embeddedV4(bytes);
    return v4 ? V4.find((r) => inCidr(v4, r.cidr))?.why : undefined;
  }
  return V4.find((r) => inCidr(bytes, r.cidr))?.why;
}

/** The address policy of one installation (settings from TSUNAGU_OUTBOUND_*). */
export class AddressPolicy {
  readonly open: boolean;
  readonly #hosts = new Set<string>();
  readonly #suffixes: string[] = [];
  readonly #cidrs: Cidr[] = [];

  constructor(settings: OutboundSettings) {
    this.open = settings.privateNetworks === 'allow';
    for (const raw of settings.allow) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const cidr = parseCidr(entry);
      if (cidr) this.#cidrs.push(cidr);
      else if (entry.startsWith('*.')) this.#suffixes.push(entry.slice(1));
      else this.#hosts.add(entry);
    }
  }

  /** The host name itself is allow-listed: whatever it resolves to may be contacted. */
  allowsHost(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    return this.open || this.#hosts.has(host) || this.#suffixes.some((s) => host.endsWith(s));
  }

  /** Why `ip` may not be contacted, or undefined when it may. */
  refusal(ip: string): string | undefined {
    if (this.open) return undefined;
    const why = specialUse(ip);
    if (!why) return undefined;
    const bytes = ipBytes(ip);
    const v4 = bytes && embeddedV4(bytes);
    if (bytes && this.#cidrs.some((c) => inCidr(bytes, c) || (v4 !== undefined && inCidr(v4, c)))) return undefined;
    return why;
  }
}

/** Checks TSUNAGU_OUTBOUND_ALLOW entries; returns the first that is neither a host nor a CIDR. */
export function invalidAllowEntry(entries: string[]): string | undefined {
  return entries.find((e) => {
    const entry = e.trim();
    if (entry.includes('/')) return parseCidr(entry) === undefined;
    return !/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry) && !ipBytes(entry);
  });
}
