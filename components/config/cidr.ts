/**
 * IPv4 CIDR arithmetic for the network of a cluster made from zero: Compute Engine refuses a
 * range whose host bits are set and any two ranges of one network that overlap, so both are
 * checked before anything is created.
 */

/** An IPv4 range as first address and prefix length. */
export interface Ipv4Range {
    /** The first address, as an unsigned 32-bit number. */
    start: number;
    /** Prefix length, 0-32. */
    prefix: number;
}

/** Parses `a.b.c.d/n`, or returns undefined when it is not one. */
export function parseCidr(cidr: string): Ipv4Range | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (match === null) return undefined;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    return { start: octets.reduce((address, octet) => address * 256 + octet, 0), prefix };
}

/** How many addresses the range holds. */
export const rangeSize = (range: Ipv4Range) => 2 ** (32 - range.prefix);

/** An address as dotted quads. */
export function formatAddress(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** The same range with its host bits cleared, e.g. `10.0.0.0/20` for `10.0.1.0/20`. */
export function canonicalCidr(range: Ipv4Range): string {
    return `${formatAddress(range.start - (range.start % rangeSize(range)))}/${range.prefix}`;
}

/** True when the two ranges share an address. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
    return a.start < b.start + rangeSize(b) && b.start < a.start + rangeSize(a);
}
