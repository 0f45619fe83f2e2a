/**
 * The dashboard: every key of the simulator live (grid, search by serial), one key in full, and the event log.
 * Changes arrive as frames at most every 50 ms (/v1/dashboard/stream); each frame is one render.
 */
import { LitElement, css, html } from 'lit';
import type { EventView, KeyDetail, KeyRow, StreamFrame } from '../../src/node/dashboard/view-model.js';
import { ControlApi, TokenRefusedError } from './control-api.js';
import type { KeyGrid } from './key-grid.js';
import { forgetToken, takeToken } from './token.js';
import './event-log.js';
import './key-grid.js';
import './key-panel.js';

/** Events kept in memory for the log's filters. */
const KEPT_EVENTS = 5000;
const WINK_MS = 1500;
const RECONNECT_MS = 1000;

type Status = 'no-token' | 'refused' | 'loading' | 'live' | 'reconnecting';

export class DashboardApp extends LitElement {
  static override properties = { status: { state: true }, search: { state: true }, selected: { state: true }, detail: { state: true } };
  declare status: Status;
  declare search: string;
  declare selected: string | undefined;
  declare detail: KeyDetail | undefined;
  private api: ControlApi | undefined;
  private readonly rows = new Map<string, KeyRow>();
  private order: string[] = [];
  private events: EventView[] = [];
  private total = 0;
  private skipped = 0;
  private readonly winking = new Set<string>();
  private detailLoading = false;
  private detailStale = false;

  constructor() {
    super();
    this.status = 'loading';
    this.search = '';
  }

  static override styles = css`
    :host {
      display: grid;
      grid-template: auto 1fr 35% / 1fr 440px;
      height: 100%;
    }
    header {
      grid-column: 1 / 3;
      display: flex;
      gap: 12px;
      align-items: center;
      padding: 6px 10px;
      border-bottom: 1px solid #8886;
    }
    h1 {
      font-size: 16px;
      margin: 0;
    }
    hkey-key-grid {
      grid-row: 2;
      grid-column: 1;
      padding: 8px;
    }
    hkey-key-panel {
      grid-row: 2 / 4;
      grid-column: 2;
      border-left: 1px solid #8886;
    }
    hkey-event-log {
      grid-row: 3;
      grid-column: 1;
      border-top: 1px solid #8886;
      padding: 0 8px;
    }
    .status {
      margin-left: auto;
      color: #888;
    }
    .refusal {
      grid-column: 1 / 3;
      max-width: 40rem;
      margin: 4rem auto;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    const token = takeToken();
    if (token === undefined) {
      this.status = 'no-token';
      return;
    }
    this.api = new ControlApi(token);
    void this.start();
  }

  private async start(): Promise<void> {
    try {
      const { keys } = await (this.api as ControlApi).summary();
      this.order = keys.map((row) => row.serial);
      for (const row of keys) this.rows.set(row.serial, row);
      this.selected ??= this.order[0];
      this.connect();
      void this.loadDetail();
    } catch (error) {
      if (error instanceof TokenRefusedError) {
        forgetToken();
        this.status = 'refused';
      } else {
        this.status = 'reconnecting';
        setTimeout(() => void this.start(), RECONNECT_MS);
      }
    }
  }

  private connect(): void {
    (this.api as ControlApi).stream(
      (frame) => this.apply(frame),
      () => {
        this.status = 'reconnecting';
        setTimeout(() => void this.start(), RECONNECT_MS);
      },
    );
  }

  private apply(frame: StreamFrame): void {
    this.status = 'live';
    let selectedChanged = false;
    for (const row of frame.rows) {
      const known = this.rows.get(row.serial);
      if (known !== undefined && known.seq > row.seq) continue;
      if (known === undefined) this.order.push(row.serial);
      this.rows.set(row.serial, row);
      if (row.serial === this.selected) selectedChanged = true;
    }
    for (const event of frame.events) {
      if (event.type === 'wink') this.wink(event.serial);
    }
    this.events.push(...frame.events);
    if (this.events.length > KEPT_EVENTS) this.events = this.events.slice(-KEPT_EVENTS);
    this.total += frame.events.length;
    this.skipped += frame.skipped;
    if (selectedChanged) void this.loadDetail();
    this.requestUpdate();
  }

  private wink(serial: string): void {
    this.winking.add(serial);
    setTimeout(() => {
      this.winking.delete(serial);
      this.requestUpdate();
    }, WINK_MS);
  }

  /** One request at a time; changes while it runs ask for one more. */
  private async loadDetail(): Promise<void> {
    if (this.selected === undefined || this.api === undefined) return;
    if (this.detailLoading) {
      this.detailStale = true;
      return;
    }
    this.detailLoading = true;
    try {
      const serial = this.selected;
      const detail = await this.api.detail(serial);
      if (serial === this.selected) this.detail = detail;
    } catch {
      // The stream's close handler reconnects; the next frame asks again.
    } finally {
      this.detailLoading = false;
      if (this.detailStale) {
        this.detailStale = false;
        void this.loadDetail();
      }
    }
  }

  private select(serial: string): void {
    this.selected = serial;
    this.detail = undefined;
    void this.loadDetail();
  }

  private onSearch(event: Event): void {
    this.search = (event.target as HTMLInputElement).value;
    const exact = this.order.find((serial) => serial.toLowerCase() === this.search.trim().toLowerCase());
    if (exact === undefined) return;
    this.select(exact);
    void this.updateComplete.then(() => (this.renderRoot.querySelector('hkey-key-grid') as KeyGrid | null)?.reveal(exact));
  }

  override render() {
    if (this.status === 'no-token' || this.status === 'refused') {
      return html`<main class="refusal" id="refusal">
        <h1>${this.status === 'no-token' ? 'This dashboard needs its token' : 'The simulator refused this token'}</h1>
        <p>
          Open the dashboard address <code>hkey sim</code> printed at start (it ends in <code>#token=…</code>). The token changes at every launch, so an address
          from an earlier run no longer works.
        </p>
      </main>`;
    }
    const needle = this.search.trim().toLowerCase();
    const rows: KeyRow[] = [];
    for (const serial of this.order) {
      if (needle === '' || serial.toLowerCase().includes(needle)) rows.push(this.rows.get(serial) as KeyRow);
    }
    return html`
      <header>
        <h1>hkey simulator</h1>
        <input type="search" id="search" placeholder="search by serial" aria-label="Search keys by serial" .value=${this.search} @input=${this.onSearch} />
        <span id="count">${rows.length} of ${this.order.length} keys</span>
        <span class="status" id="status">${this.status}${this.skipped > 0 ? ` · ${this.skipped} events not shown (too many at once)` : ''}</span>
      </header>
      <hkey-key-grid
        .rows=${rows}
        .selected=${this.selected}
        .winking=${new Set(this.winking)}
        @select=${(e: CustomEvent<string>) => this.select(e.detail)}
      ></hkey-key-grid>
      <hkey-key-panel
        .detail=${this.detail}
        .api=${this.api}
        ?winking=${this.selected !== undefined && this.winking.has(this.selected)}
        @acted=${() => void this.loadDetail()}
      ></hkey-key-panel>
      <hkey-event-log .events=${this.events} .total=${this.total} .selected=${this.selected}></hkey-event-log>
    `;
  }
}
customElements.define('hkey-dashboard', DashboardApp);
