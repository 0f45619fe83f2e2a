/** The init script of the bridge source: the shims reach the fixture's bridge server with its launch token. */
import { bridgeDeviceSource } from '@hkey/bridge/browser';
import { installShims, readConfig } from './install-shims.js';

const config = readConfig();
if (config?.source.kind === 'bridge') installShims(config, bridgeDeviceSource({ url: config.source.url, token: config.source.token }));
