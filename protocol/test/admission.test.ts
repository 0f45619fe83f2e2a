/** The loopback, Host, Origin and token checks every local server shares: exact names, never prefixes. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { constantTimeEqual, isLoopbackHostname, isLoopbackOrigin, parseHostHeader, parseOrigin, presentsToken } from '../src/admission/index.js';

describe('isLoopbackHostname', () => {
  test.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.0.0.2', '127.255.255.255', '127.1.0.0', '::1', '[::1]'])('%s is loopback', (name) => {
    expect(isLoopbackHostname(name)).toBe(true);
  });

  test.each([
    '127.0.0.1.evil.example',
    '127.0.0.1.rebind.evil.com',
    '127.evil.example',
    'localhost.evil.example',
    'localhost.',
    'localhost:80',
    '127.1',
    '127.0.1',
    '127.0.0.256',
    '127.0.0.01',
    '0127.0.0.1',
    '127.0.0.1.',
    '127.0.0.-1',
    '128.0.0.1',
    '0.0.0.0',
    '::',
    '::2',
    '[::1]:80',
    '::ffff:127.0.0.1',
    '',
    ' localhost',
  ])('%j is not loopback', (name) => {
    expect(isLoopbackHostname(name)).toBe(false);
  });

  test('a name that merely starts like a loopback name is refused', () => {
    const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    const suffix = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
    const prefix = fc.constantFrom('127.', '127.0.0.1', '127.0.0.1.', 'localhost', 'localhost.', '::1', '[::1]');
    fc.assert(
      fc.property(prefix, suffix, (start, rest) => {
        const name = `${start}${rest}`;
        // Appending to a prefix lands on a real loopback literal only when it completes one (e.g. "127." + "0.0.1").
        const completesLiteral =
          /^127\.(?:0|[1-9][0-9]{0,2})\.(?:0|[1-9][0-9]{0,2})\.(?:0|[1-9][0-9]{0,2})$/.test(name) && name.split('.').every((octet) => Number(octet) <= 255);
        expect(isLoopbackHostname(name)).toBe(completesLiteral);
      }),
    );
  });

  test('every 127.a.b.c written as a URL parser writes it is loopback', () => {
    fc.assert(fc.property(fc.nat(255), fc.nat(255), fc.nat(255), (a, b, c) => isLoopbackHostname(`127.${a}.${b}.${c}`)));
  });
});

describe('parseHostHeader', () => {
  test.each([
    ['localhost:8110', { hostname: 'localhost', port: 8110 }],
    ['127.0.0.1', { hostname: '127.0.0.1', port: undefined }],
    ['[::1]:8110', { hostname: '::1', port: 8110 }],
    ['LocalHost:1', { hostname: 'localhost', port: 1 }],
    ['127.0.0.1.rebind.evil.com:8110', { hostname: '127.0.0.1.rebind.evil.com', port: 8110 }],
  ])('%j', (header, expected) => {
    expect(parseHostHeader(header)).toEqual(expected);
  });

  test.each([
    undefined,
    '',
    'localhost:',
    'localhost:99999',
    'localhost@evil.example',
    'localhost:1@evil.example',
    'localhost/x',
    'a b',
    '[::1',
    'localhost:80:80',
    'localhost:+80',
  ])('%j is malformed', (header) => {
    expect(parseHostHeader(header)).toBeUndefined();
  });
});

describe('parseOrigin and isLoopbackOrigin', () => {
  test.each([
    ['http://localhost:5173', { scheme: 'http', host: 'localhost', port: 5173 }],
    ['https://127.0.0.1', { scheme: 'https', host: '127.0.0.1', port: 443 }],
    ['http://[::1]:8080', { scheme: 'http', host: '[::1]', port: 8080 }],
    ['HTTP://LOCALHOST', { scheme: 'http', host: 'localhost', port: 80 }],
  ])('%j', (origin, expected) => {
    expect(parseOrigin(origin)).toEqual(expected);
    expect(isLoopbackOrigin(origin)).toBe(true);
  });

  test.each([
    'null',
    'file://',
    'ftp://localhost',
    'ws://localhost:1',
    'http://localhost/',
    'http://localhost:1/path',
    'http://localhost:1@evil.com',
    'http://user@localhost',
    'http://localhost:99999',
    'http://localhost:',
    'http://localhost.evil.com',
    'http://127.0.0.1.evil.com',
    'http://127.0.0.1.evil.com:80',
    'http://127.0.0.1.nip.io',
    'https://evil.example',
    'http://0.0.0.0:80',
    'http://localhost:80?x',
    'http://localhost#x',
    ' http://localhost',
  ])('%j is not a loopback origin', (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(false);
  });

  test('an origin whose host merely starts like a loopback name is refused', () => {
    const suffix = fc.stringMatching(/^\.[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6})?$/);
    fc.assert(
      fc.property(fc.constantFrom('127.0.0.1', 'localhost', '127.1.2.3'), suffix, fc.option(fc.integer({ min: 1, max: 65535 })), (host, rest, port) => {
        expect(isLoopbackOrigin(`http://${host}${rest}${port === null ? '' : `:${port}`}`)).toBe(false);
      }),
    );
  });
});

describe('tokens', () => {
  const url = (query = ''): URL => new URL(`http://127.0.0.1:8110/v1/devices${query}`);

  test('constantTimeEqual is plain equality', () => {
    expect(constantTimeEqual('abcdefghijklmnop', 'abcdefghijklmnop')).toBe(true);
    expect(constantTimeEqual('abcdefghijklmnoq', 'abcdefghijklmnop')).toBe(false);
    expect(constantTimeEqual('abcdefghijklmno', 'abcdefghijklmnop')).toBe(false);
    expect(constantTimeEqual('abcdefghijklmnopq', 'abcdefghijklmnop')).toBe(false);
    expect(constantTimeEqual('', 'abcdefghijklmnop')).toBe(false);
    expect(constantTimeEqual('é', 'é')).toBe(true);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
  });

  test('a token is presented by ?token= or Authorization: Bearer', () => {
    const token = 'abcdefghijklmnop';
    expect(presentsToken(undefined, url(`?token=${token}`), token)).toBe(true);
    expect(presentsToken(`Bearer ${token}`, url(), token)).toBe(true);
    expect(presentsToken(`bearer ${token}`, url(), token)).toBe(true);
    expect(presentsToken(undefined, url(), token)).toBe(false);
    expect(presentsToken(`Basic ${token}`, url(), token)).toBe(false);
    expect(presentsToken(`Bearer ${token}x`, url(), token)).toBe(false);
    expect(presentsToken(undefined, url('?token='), token)).toBe(false);
    expect(presentsToken(`Bearer ${token}`, url('?token=wrong'), token)).toBe(false);
  });
});
