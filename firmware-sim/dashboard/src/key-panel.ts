/**
 * One key in full: state, LED, the button, the pending request, PIN, clock, battery, links, storage, accounts,
 * FIDO credentials, and the fault and snapshot controls. Every control is one control API call (docs/protocol.md
 * §8.3); what it changes comes back through the stream.
 */
import { LitElement, css, html } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import type { KeyDetail } from '../../src/node/dashboard/view-model.js';
import { ControlApiError, type ControlApi } from './control-api.js';
import './hold-button.js';
import './led-light.js';

const PACKET_FAULTS = ['drop', 'duplicate', 'corrupt', 'delay', 'reorder', 'disconnect'];
const FLASH_FAULTS = ['write-error', 'power-cut-before-commit', 'power-cut-after-commit', 'short-write'];
const POLICIES = ['auto-approve', 'auto-deny', 'never', 'button'];

export class KeyPanel extends LitElement {
  static override properties = { detail: { attribute: false }, api: { attribute: false }, winking: { type: Boolean }, message: { state: true } };
  declare detail: KeyDetail | undefined;
  declare api: ControlApi | undefined;
  declare winking: boolean;
  declare message: string;

  constructor() {
    super();
    this.winking = false;
    this.message = '';
  }

  static override styles = css`
    :host {
      display: block;
      overflow-y: auto;
      padding: 8px;
      font-size: 13px;
    }
    h2 {
      font-size: 16px;
      margin: 0 0 4px;
      display: flex;
      gap: 8px;
      align-items: center;
    }
    h3 {
      font-size: 13px;
      margin: 12px 0 4px;
    }
    section {
      border-top: 1px solid #8884;
      padding-top: 4px;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      align-items: center;
      margin: 3px 0;
    }
    .bar {
      width: 200px;
      height: 10px;
      border: 1px solid #888;
      border-radius: 3px;
      overflow: hidden;
    }
    .fill {
      height: 100%;
      background: #3a7bff;
    }
    table {
      border-collapse: collapse;
    }
    td,
    th {
      padding: 1px 8px 1px 0;
      text-align: left;
    }
    .pending {
      background: #2ecc4022;
      padding: 4px;
      border-radius: 4px;
    }
    .message {
      color: #e33;
      min-height: 1em;
    }
    input[type='number'] {
      width: 7em;
    }
  `;

  private async act(method: 'POST' | 'PUT' | 'DELETE', action: string, body?: Record<string, unknown>): Promise<void> {
    if (this.detail === undefined || this.api === undefined) return;
    try {
      this.message = '';
      await this.api.act(this.detail.serial, method, action, body);
      this.dispatchEvent(new CustomEvent('acted'));
    } catch (error) {
      this.message = error instanceof ControlApiError ? error.message : 'The control API could not be reached.';
    }
  }

  private field(id: string): HTMLInputElement | HTMLSelectElement {
    return this.renderRoot.querySelector(`#${id}`) as HTMLInputElement | HTMLSelectElement;
  }

  private numberField(id: string): number {
    return Number(this.field(id).value);
  }

  override render() {
    const key = this.detail;
    if (key === undefined) return html`<p>Select a key.</p>`;
    const usedPercent = Math.min(100, (100 * key.storageUsed) / Math.max(1, key.storageTotal));
    return html`
      <h2><hkey-led .led=${key.led} ?winking=${this.winking}></hkey-led><span id="serial">${key.serial}</span></h2>
      <div class="row">
        ${key.model} · firmware ${key.firmware} · <strong id="activity">${key.activity.replaceAll('-', ' ')}</strong> · lifecycle
        <strong id="lifecycle">${key.lifecycle.toLowerCase()}</strong>
      </div>
      <div class="message" role="alert">${this.message}</div>

      <section>
        <h3>Button</h3>
        <div class="row">
          <hkey-hold-button
            .holdMs=${key.pending?.holdMs ?? 10_000}
            @button=${(e: CustomEvent<Record<string, unknown>>) => this.act('POST', 'button', e.detail)}
          ></hkey-hold-button>
          <button id="press" @click=${() => this.act('POST', 'button', { action: 'press' })}>Press</button>
          <button id="deny" @click=${() => this.act('POST', 'button', { action: 'deny' })}>Deny</button>
          <label
            >presence
            <select id="policy" @change=${() => this.act('PUT', 'presence', { policy: this.field('policy').value })}>
              ${POLICIES.map((policy) => html`<option ?selected=${policy === key.presencePolicy}>${policy}</option>`)}
            </select>
          </label>
        </div>
        ${
          key.pending
            ? html`<div class="pending" id="pending">
                Waiting for a ${key.pending.kind}${key.pending.kind === 'hold' ? ` of ${key.pending.holdMs / 1000} s` : ''}: ${key.pending.reason}
                (${key.pending.command ?? 'command unknown'}, from ${key.pending.client})
              </div>`
            : html`<div class="row" id="pending">Nothing waits for the button.</div>`
        }
      </section>

      <section>
        <h3>PIN and battery</h3>
        <div class="row" id="pin">
          HKP PIN: ${key.pin.set ? `${key.pin.retries} of ${key.pin.maxRetries} attempts left` : 'not set'} · FIDO PIN:
          ${key.fidoPin.set ? `${key.fidoPin.retries} attempts left` : 'not set'}
        </div>
        <div class="row">
          battery <span id="battery">${key.battery}%</span>
          <input id="battery-input" type="number" min="0" max="100" .value=${String(key.battery)} />
          <button id="set-battery" @click=${() => this.act('POST', 'battery', { percent: this.numberField('battery-input') })}>Set</button>
        </div>
      </section>

      <section>
        <h3>Clock</h3>
        <div class="row" id="clock">
          ${new Date(key.clock.deviceMs).toISOString()} (offset ${(key.clock.offsetMs / 1000).toFixed(1)} s, drift ${key.clock.driftPpm} ppm)
        </div>
        <div class="row">
          <input id="time-input" type="number" placeholder="Unix seconds" />
          <button id="set-time" @click=${() => this.act('POST', 'time', { time: this.numberField('time-input') })}>Set time</button>
          <button id="sync-time" @click=${() => this.act('POST', 'time', { time: Math.floor(Date.now() / 1000) })}>Sync to host</button>
          <input id="drift-input" type="number" placeholder="ppm" />
          <button id="set-drift" @click=${() => this.act('POST', 'time', { driftPpm: this.numberField('drift-input') })}>Set drift</button>
        </div>
      </section>

      <section>
        <h3>Links</h3>
        <div class="row" id="links">
          ${key.links.udp} · UDP clients: ${key.links.udpClients.length === 0 ? 'none' : key.links.udpClients.join(', ')} · BLE:
          ${key.links.ble.connections === 0 ? 'not connected' : `${key.links.ble.connections} connected, MTU ${key.links.ble.mtus.join(', ')}`}
        </div>
      </section>

      <section>
        <h3>Storage</h3>
        <div class="row">
          <div class="bar" role="meter" aria-valuenow=${Math.round(usedPercent)} aria-valuemin="0" aria-valuemax="100" aria-label="storage used">
            <div class="fill" style=${styleMap({ width: `${usedPercent}%` })}></div>
          </div>
          <span id="storage">${key.storageUsed} of ${key.storageTotal} bytes</span>
        </div>
        <h3>Accounts (${key.accountList.length})</h3>
        <table id="accounts">
          <tr>
            <th>id</th>
            <th>name</th>
            <th>kinds</th>
            <th>flags</th>
          </tr>
          ${key.accountList.map(
            (account) =>
              html`<tr>
                <td>${account.id}</td>
                <td>${account.name}</td>
                <td>${account.kinds.join(', ')}</td>
                <td>${account.flags.join(', ')}</td>
              </tr>`,
          )}
        </table>
        <h3>FIDO credentials (${key.fidoCredentials.length})</h3>
        <table id="fido">
          <tr>
            <th>relying party</th>
            <th>user</th>
          </tr>
          ${key.fidoCredentials.map(
            (credential) =>
              html`<tr>
                <td>${credential.rpId}</td>
                <td>${credential.userName ?? ''}</td>
              </tr>`,
          )}
        </table>
      </section>

      <section>
        <h3>Faults</h3>
        <div class="row" id="faults">
          ${key.faults.packetRules} packet rules · ${key.faults.flashPending} flash faults pending · ${key.faults.busyReplies} busy replies
        </div>
        <div class="row">
          <select id="packet-kind">
            ${PACKET_FAULTS.map((kind) => html`<option>${kind}</option>`)}
          </select>
          <select id="packet-direction">
            <option value="">both ways</option>
            <option>in</option>
            <option>out</option>
          </select>
          <label>count <input id="packet-count" type="number" min="1" value="1" /></label>
          <button id="add-packet-fault" @click=${this.addPacketFault}>Add packet fault</button>
        </div>
        <div class="row">
          <select id="flash-kind">
            ${FLASH_FAULTS.map((kind) => html`<option>${kind}</option>`)}
          </select>
          <label>on write <input id="flash-after" type="number" min="1" value="1" /></label>
          <button
            id="add-flash-fault"
            @click=${() => this.act('POST', 'flash-faults', { fault: this.field('flash-kind').value, after: this.numberField('flash-after') })}
          >
            Schedule flash fault
          </button>
        </div>
        <div class="row">
          <button id="clear-faults" @click=${() => this.act('DELETE', 'faults')}>Clear faults</button>
          <button id="disconnect" @click=${() => this.act('POST', 'disconnect')}>Disconnect</button>
          <button id="power-cycle" @click=${() => this.act('POST', 'power-cycle')}>Power cycle</button>
        </div>
      </section>

      <section>
        <h3>Snapshots</h3>
        <div class="row">
          <button id="snapshot" @click=${() => this.act('POST', 'snapshots')}>Take snapshot</button>
          ${key.snapshots.map(
            (id) =>
              html`<button class="restore" data-snapshot=${id} @click=${() => this.act('POST', `snapshots/${encodeURIComponent(id)}/restore`)}>
                Restore ${id}
              </button>`,
          )}
        </div>
      </section>
    `;
  }

  private addPacketFault(): void {
    const direction = this.field('packet-direction').value;
    this.act('POST', 'faults', {
      kind: this.field('packet-kind').value,
      count: this.numberField('packet-count'),
      ...(direction === '' ? {} : { direction }),
    });
  }
}
customElements.define('hkey-key-panel', KeyPanel);
