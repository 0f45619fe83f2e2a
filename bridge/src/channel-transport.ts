/** A Transport over a framing channel (CTAPHID or BLE): the transport adds nothing but the shape users expect. */
import type { BridgeError } from './errors.js';
import type { DeviceDescriptor, ExchangeOptions, Transport } from './transport.js';

export interface FramingChannel {
  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array>;
  close(): Promise<void>;
  onDisconnect(listener: (error: BridgeError) => void): () => void;
}

export class ChannelTransport<C extends FramingChannel> implements Transport {
  constructor(
    readonly descriptor: DeviceDescriptor,
    /** The framing underneath, for what only it knows (PING, WINK, the MTU, the INIT information). */
    readonly channel: C,
  ) {}

  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.channel.exchange(message, options);
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  on(_event: 'disconnect', listener: (error: BridgeError) => void): () => void {
    return this.channel.onDisconnect(listener);
  }
}
