/**
 * Every key as a tile, virtualized: only the tiles in view (and a row either side) are in the DOM, so 1,000 keys
 * cost what a screenful costs. Tiles have a fixed size, so positions are arithmetic.
 */
import { LitElement, css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { KeyRow } from '../../src/node/dashboard/view-model.js';
import './led-light.js';

const TILE_WIDTH = 190;
const TILE_HEIGHT = 74;
const GAP = 6;

export class KeyGrid extends LitElement {
  static override properties = { rows: { attribute: false }, selected: {}, winking: { attribute: false }, viewport: { state: true } };
  declare rows: readonly KeyRow[];
  declare selected: string | undefined;
  declare winking: ReadonlySet<string>;
  declare viewport: { top: number; height: number; width: number };
  private readonly resize = new ResizeObserver(() => this.measure());

  constructor() {
    super();
    this.rows = [];
    this.winking = new Set();
    this.viewport = { top: 0, height: 600, width: 800 };
  }

  static override styles = css`
    :host {
      display: block;
      overflow-y: auto;
      position: relative;
      contain: strict;
    }
    .space {
      position: relative;
    }
    .tile {
      position: absolute;
      box-sizing: border-box;
      width: ${TILE_WIDTH}px;
      height: ${TILE_HEIGHT}px;
      padding: 6px 8px;
      border: 1px solid #8886;
      border-radius: 6px;
      cursor: pointer;
      overflow: hidden;
      font-size: 12px;
      background: Canvas;
    }
    .tile[aria-selected='true'] {
      outline: 2px solid #3a7bff;
    }
    .serial {
      font-weight: 600;
      font-family: ui-monospace, monospace;
    }
    .line {
      display: flex;
      gap: 6px;
      align-items: center;
      white-space: nowrap;
    }
    .activity-waiting-for-button {
      background: #2ecc4022;
    }
    .activity-pin-blocked,
    .activity-battery-empty {
      background: #ff303022;
    }
    .activity-off {
      opacity: 0.6;
    }
    .lifecycle {
      margin-left: auto;
      padding: 0 4px;
      border: 1px solid #8886;
      border-radius: 3px;
      font-size: 10px;
    }
    .lifecycle-locked,
    .lifecycle-suspended {
      background: #ff990033;
    }
    .lifecycle-deactivated,
    .lifecycle-compromised {
      background: #ff303033;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.resize.observe(this);
    this.addEventListener('scroll', () => this.measure(), { passive: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize.disconnect();
  }

  private measure(): void {
    this.viewport = { top: this.scrollTop, height: this.clientHeight, width: this.clientWidth };
  }

  /** Scrolls the tile of `serial` into view (after a search, say). */
  reveal(serial: string): void {
    const index = this.rows.findIndex((row) => row.serial === serial);
    if (index < 0) return;
    const line = Math.floor(index / this.columns());
    this.scrollTop = line * (TILE_HEIGHT + GAP);
  }

  private columns(): number {
    return Math.max(1, Math.floor((this.viewport.width + GAP) / (TILE_WIDTH + GAP)));
  }

  override render() {
    const columns = this.columns();
    const lines = Math.ceil(this.rows.length / columns);
    const first = Math.max(0, Math.floor(this.viewport.top / (TILE_HEIGHT + GAP)) - 1);
    const last = Math.min(lines, Math.ceil((this.viewport.top + this.viewport.height) / (TILE_HEIGHT + GAP)) + 1);
    const visible = this.rows.slice(first * columns, last * columns);
    return html`<div class="space" role="listbox" aria-label="Keys" style=${styleMap({ height: `${lines * (TILE_HEIGHT + GAP)}px` })}>
      ${repeat(
        visible,
        (row) => row.serial,
        (row, offset) => {
          const index = first * columns + offset;
          const position = { left: `${(index % columns) * (TILE_WIDTH + GAP)}px`, top: `${Math.floor(index / columns) * (TILE_HEIGHT + GAP)}px` };
          return html`<div
            class="tile activity-${row.activity}"
            role="option"
            aria-selected=${row.serial === this.selected ? 'true' : 'false'}
            data-serial=${row.serial}
            data-activity=${row.activity}
            data-lifecycle=${row.lifecycle}
            data-seq=${row.seq}
            style=${styleMap(position)}
            @click=${() => this.dispatchEvent(new CustomEvent('select', { detail: row.serial }))}
          >
            <div class="line">
              <hkey-led .led=${row.led} ?winking=${this.winking.has(row.serial)}></hkey-led><span class="serial">${row.serial}</span>
              <span class="lifecycle lifecycle-${row.lifecycle.toLowerCase()}" title="lifecycle state">${row.lifecycle.toLowerCase()}</span>
            </div>
            <div class="line">${row.activity.replaceAll('-', ' ')}${row.pending ? html` · ${row.pending.kind}` : ''}</div>
            <div class="line">battery ${row.battery}% · ${row.accounts} acc · PIN ${row.pinRetries ?? '—'}</div>
          </div>`;
        },
      )}
    </div>`;
  }
}
customElements.define('hkey-key-grid', KeyGrid);
