/**
 * The live event log of every key, newest first: filters by type, key and text, and a pause that freezes the list
 * while counting what arrives meanwhile.
 */
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { EventView } from '../../src/node/dashboard/view-model.js';
import { EVENT_TYPES, eventSummary } from './event-summary.js';

/** Rows in the DOM at once; the rest stay in memory for the filters. */
const SHOWN = 200;

export class EventLog extends LitElement {
  static override properties = {
    events: { attribute: false },
    total: { type: Number },
    selected: {},
    hiddenTypes: { state: true },
    onlySelected: { state: true },
    text: { state: true },
    frozen: { state: true },
  };
  declare events: readonly EventView[];
  /** Events received since the page opened (a counter, as `events` is trimmed). */
  declare total: number;
  declare selected: string | undefined;
  declare hiddenTypes: ReadonlySet<string>;
  declare onlySelected: boolean;
  declare text: string;
  declare frozen: { events: readonly EventView[]; total: number } | undefined;

  constructor() {
    super();
    this.events = [];
    this.total = 0;
    this.hiddenTypes = new Set(['frame']);
    this.onlySelected = false;
    this.text = '';
  }

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 0;
      font-size: 12px;
    }
    .bar {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      align-items: center;
      padding: 4px 0;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      overflow-y: auto;
      flex: 1;
      font-family: ui-monospace, monospace;
    }
    li {
      white-space: nowrap;
      padding: 1px 4px;
      border-bottom: 1px solid #8882;
    }
    .type-fault {
      color: #e33;
    }
    .type-presence {
      color: #1a1;
    }
    .note {
      color: #888;
    }
  `;

  private toggle(type: string): void {
    const next = new Set(this.hiddenTypes);
    if (next.has(type)) next.delete(type);
    else next.add(type);
    this.hiddenTypes = next;
  }

  private pause(): void {
    this.frozen = this.frozen === undefined ? { events: [...this.events], total: this.total } : undefined;
  }

  override render() {
    const source = this.frozen?.events ?? this.events;
    const needle = this.text.trim().toLowerCase();
    const shown: EventView[] = [];
    for (let index = source.length - 1; index >= 0 && shown.length < SHOWN; index--) {
      const event = source[index] as EventView;
      if (this.hiddenTypes.has(event.type)) continue;
      if (this.onlySelected && event.serial !== this.selected) continue;
      if (needle !== '' && !`${event.serial} ${event.type} ${eventSummary(event)}`.toLowerCase().includes(needle)) continue;
      shown.push(event);
    }
    const arrived = this.frozen === undefined ? 0 : this.total - this.frozen.total;
    return html`<div class="bar" role="toolbar" aria-label="Event log filters">
        <button id="pause" aria-pressed=${this.frozen !== undefined ? 'true' : 'false'} @click=${this.pause}>
          ${this.frozen === undefined ? 'Pause' : `Resume (${arrived} new)`}
        </button>
        ${EVENT_TYPES.map(
          (type) =>
            html`<label><input type="checkbox" data-type=${type} .checked=${!this.hiddenTypes.has(type)} @change=${() => this.toggle(type)} />${type}</label>`,
        )}
        <label
          ><input type="checkbox" id="only-selected" .checked=${this.onlySelected} @change=${() => (this.onlySelected = !this.onlySelected)} />selected key
          only</label
        >
        <input
          type="search"
          id="event-filter"
          placeholder="filter text"
          .value=${this.text}
          @input=${(e: Event) => (this.text = (e.target as HTMLInputElement).value)}
        />
      </div>
      <ol aria-label="Events, newest first" aria-live="off">
        ${repeat(
          shown,
          (event) => `${event.serial}/${event.seq}`,
          (event) =>
            html`<li class="type-${event.type}" data-serial=${event.serial} data-seq=${event.seq} data-type=${event.type}>
              ${new Date(event.time).toISOString().slice(11, 23)} ${event.serial} #${event.seq} ${eventSummary(event)}
            </li>`,
        )}
        ${shown.length === 0 ? html`<li class="note">No events match.</li>` : ''}
      </ol>`;
  }
}
customElements.define('hkey-event-log', EventLog);
