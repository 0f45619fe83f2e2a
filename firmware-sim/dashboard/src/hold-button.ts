/**
 * The key's button as a person uses it: a click presses; holding it fills a ring over the key's hold time (10 s,
 * the wipe countdown) and the hold is sent when the ring is full, or when released early (too short, as on the key).
 */
import { LitElement, css, html, svg } from 'lit';

const RADIUS = 26;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;
/** Shorter than this is a click, not a hold. */
const CLICK_MS = 400;

export class HoldButton extends LitElement {
  static override properties = { holdMs: { type: Number }, progress: { state: true } };
  declare holdMs: number;
  declare progress: number;
  private started = 0;
  private frame = 0;

  constructor() {
    super();
    this.holdMs = 10_000;
    this.progress = 0;
  }

  static override styles = css`
    button {
      position: relative;
      width: 64px;
      height: 64px;
      border-radius: 50%;
      border: none;
      padding: 0;
      background: none;
      cursor: pointer;
      touch-action: none;
    }
    svg {
      position: absolute;
      inset: 0;
    }
    .face {
      fill: #555;
    }
    .track {
      fill: none;
      stroke: #8884;
      stroke-width: 5;
    }
    .ring {
      fill: none;
      stroke: #ff3030;
      stroke-width: 5;
      transform: rotate(-90deg);
      transform-origin: 32px 32px;
    }
    .label {
      position: relative;
      color: #fff;
      font-size: 11px;
    }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.frame);
  }

  override render() {
    const remaining = Math.ceil(((1 - this.progress) * this.holdMs) / 1000);
    return html`<button
      aria-label="Key button: click to press, hold for ${this.holdMs / 1000} s to wipe"
      @pointerdown=${this.down}
      @pointerup=${this.up}
      @pointerleave=${this.cancel}
    >
      ${svg`<svg width="64" height="64" viewBox="0 0 64 64">
        <circle class="face" cx="32" cy="32" r="22"></circle>
        <circle class="track" cx="32" cy="32" r=${RADIUS}></circle>
        <circle class="ring" cx="32" cy="32" r=${RADIUS} stroke-dasharray=${CIRCUMFERENCE} stroke-dashoffset=${CIRCUMFERENCE * (1 - this.progress)}></circle>
      </svg>`}
      <span class="label" data-countdown=${this.started === 0 ? '' : String(remaining)}>${this.started === 0 ? 'button' : `${remaining} s`}</span>
    </button>`;
  }

  private down(event: PointerEvent): void {
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    this.started = performance.now();
    const tick = (): void => {
      this.progress = Math.min(1, (performance.now() - this.started) / this.holdMs);
      if (this.progress >= 1) return this.finish(this.holdMs);
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  private up(): void {
    if (this.started === 0) return;
    this.finish(performance.now() - this.started);
  }

  private cancel(): void {
    if (this.started === 0) return;
    cancelAnimationFrame(this.frame);
    this.started = 0;
    this.progress = 0;
  }

  private finish(heldMs: number): void {
    cancelAnimationFrame(this.frame);
    this.started = 0;
    this.progress = 0;
    const detail = heldMs < CLICK_MS ? { action: 'press' } : { action: 'hold', ms: Math.round(heldMs) };
    this.dispatchEvent(new CustomEvent('button', { detail, bubbles: true, composed: true }));
  }
}
customElements.define('hkey-hold-button', HoldButton);
