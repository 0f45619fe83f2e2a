import { describe, expect, test } from 'vitest';
import { decodeResponse, encodeRequest } from '@hkey/protocol';
import { Recorder, Replayer, autoApprove } from '@hkey/firmware-sim';
import { RFC_SECRET, harness } from './harness.js';

async function record() {
  const h = await harness({ presence: autoApprove });
  const recorder = new Recorder(h.session);
  const requests = [
    encodeRequest('SetPin', { pin: '24681357' }),
    encodeRequest('AccountCreate', { name: 'github', password: 'sup3r-s3cret', otp: { secret: RFC_SECRET, kind: 'HOTP' } }),
    encodeRequest('GetOtp', { id: 1 }),
    encodeRequest('GetPassword', { id: 1 }),
    encodeRequest('GetOtp', { id: 1 }),
  ];
  const responses = [];
  for (const request of requests) responses.push(await recorder.handle(request));
  return { fixture: recorder.fixture, requests, responses };
}

describe('record and replay', () => {
  test('a recording has one line per message and no secret in any form', async () => {
    const { fixture } = await record();
    expect(fixture.split('\n').filter(Boolean)).toHaveLength(10);
    const secretForms = [
      '24681357',
      Buffer.from('24681357').toString('hex'),
      'sup3r-s3cret',
      Buffer.from('sup3r-s3cret').toString('hex'),
      Buffer.from(RFC_SECRET).toString('hex'),
    ];
    for (const form of secretForms) expect(fixture).not.toContain(form);
    expect(fixture).toContain('# redacted');
  });

  test('replay answers the same requests with the recorded responses', async () => {
    const { fixture, requests, responses } = await record();
    const replayer = new Replayer(fixture);
    for (let i = 0; i < requests.length; i++) {
      const replayed = await replayer.handle(requests[i] as Uint8Array);
      if (i === 3) expect(decodeResponse('GetPassword', replayed)).toEqual({ ok: true, status: 'OK', result: { password: 'redacted' } });
      else expect(replayed).toEqual(responses[i]);
    }
    replayer.assertDone();
  });

  test('replay is strict: a different request, an extra one, or an unconsumed line fail', async () => {
    const { fixture, requests } = await record();
    await expect(new Replayer(fixture).handle(encodeRequest('GetInfo', {}))).rejects.toMatchObject({ code: 'REPLAY_MISMATCH' });
    const partial = new Replayer(fixture);
    await partial.handle(requests[0] as Uint8Array);
    expect(() => partial.assertDone()).toThrow(/4 recorded exchanges were never requested/);
    const short = new Replayer(fixture.split('\n').slice(0, 2).join('\n'));
    await short.handle(requests[0] as Uint8Array);
    await expect(short.handle(requests[1] as Uint8Array)).rejects.toMatchObject({ code: 'REPLAY_EXHAUSTED' });
    expect(() => new Replayer('=> 01\n=> 02\n')).toThrow(/line 2/);
    expect(() => new Replayer('<= 00\n')).toThrow(/without a request/);
    expect(() => new Replayer('=> 0g\n<= 00')).toThrow(/line 1/);
  });
});
