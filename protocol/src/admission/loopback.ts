/**
 * The one loopback test of the project: an exact name, never a prefix, so "127.0.0.1.evil.example" (a DNS name
 * an attacker controls) is not mistaken for this machine.
 */

/** A decimal octet as a URL parser writes it: 0-255 without leading zeros (which some resolvers read as octal). */
const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/** An IPv4 literal in 127.0.0.0/8 with four decimal octets. */
function isLoopbackIpv4(name: string): boolean {
  const octets = name.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => OCTET.test(octet) && Number(octet) <= 255);
}

/** True for `localhost`, an IPv4 literal in 127.0.0.0/8, and `::1` (bare or in brackets); case-insensitive. */
export function isLoopbackHostname(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower === '::1' || lower === '[::1]' || isLoopbackIpv4(lower);
}
