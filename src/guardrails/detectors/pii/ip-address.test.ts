import { describe, expect, it } from 'vitest';
import { findIpAddresses } from './ip-address.ts';

const ips = (text: string) => findIpAddresses(text).map((match) => match.text);

describe('findIpAddresses', () => {
  it('finds IPv4 and IPv6 addresses, also with ports and at the end of a sentence', () => {
    expect(ips('Hosts 192.168.1.20:8080, 8.8.8.8. and 2001:db8::8a2e:370:7334, ::1, fe80::1ff:fe23:4567:890a.')).toEqual([
      '192.168.1.20',
      '8.8.8.8',
      '2001:db8::8a2e:370:7334',
      '::1',
      'fe80::1ff:fe23:4567:890a',
    ]);
  });

  it('skips version strings, longer dotted runs, leading zeros, dates, times, MAC addresses and C++ scopes', () => {
    const text = 'v1.2.3.4, version 10.0.0.1, 1.2.3, 10.0.0.1.5, 01.02.03.04, 01.02.2024, 256.1.1.1, 12:30:45, 00:1A:2B:3C:4D:5E, std::vector';
    expect(ips(text)).toEqual([]);
  });
});
