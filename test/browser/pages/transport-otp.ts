/**
 * A page using @hkey/bridge's own browser transports with KeyClient: WebHID (via=webhid), Web Bluetooth
 * (via=webbluetooth) or the bridge's WebSocket directly (via=ws&bridge=URL).
 */
import { KeyClient, type TransportKind, WebBluetoothTransportKind, WebHidTransportKind, WsTransportKind } from '../../../bridge/src/index.browser.js';
import { onGo, param } from './page-kit.js';

onGo(async () => {
  const via = param('via') ?? 'webhid';
  let kind: TransportKind;
  let id: string | undefined;
  if (via === 'ws') {
    kind = new WsTransportKind({ url: param('bridge') });
    id = (await kind.list())[0]?.id;
  } else {
    const browserKind = via === 'webhid' ? new WebHidTransportKind() : new WebBluetoothTransportKind();
    kind = browserKind;
    id = (await browserKind.request())?.id;
  }
  if (id === undefined) return 'no device chosen';
  const client = new KeyClient(await kind.open(id));
  const account = Number(param('account') ?? 1);
  if (param('op') === 'password') {
    await client.getPassword(account);
    return 'password received';
  }
  return `code: ${(await client.getOtp(account)).code}`;
});
