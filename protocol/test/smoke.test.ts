import { expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '@hkey/protocol';
test('v', () => { expect(PROTOCOL_VERSION).toBe(1); });
