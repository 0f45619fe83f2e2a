/** The key's LED: a colour and a blink pattern (docs/protocol.md §8.6.2), drawn with CSS animations. */
import { LitElement, css, html } from 'lit';
import type { LedView } from '../../src/node/dashboard/view-model.js';

export class LedLight extends LitElement {
  static override properties = { led: { attribute: false }, winking: { type: Boolean } };
  declare led: LedView | undefined;
  declare winking: boolean;

  constructor() {
    super();
    this.winking = false;
  }

  static override styles = css`
    :host {
      display: inline-block;
      width: 14px;
      height: 14px;
    }
    span {
      display: block;
      width: 100%;
      height: 100%;
      border-radius: 50%;
      border: 1px solid #0006;
      box-sizing: border-box;
    }
    .off {
      background: #444;
    }
    .green {
      background: #2ecc40;
      box-shadow: 0 0 6px #2ecc40;
    }
    .blue {
      background: #3a7bff;
      box-shadow: 0 0 6px #3a7bff;
    }
    .orange {
      background: #ff8c1a;
      box-shadow: 0 0 6px #ff8c1a;
    }
    .red {
      background: #ff3030;
      box-shadow: 0 0 6px #ff3030;
    }
    .white {
      background: #fff;
      box-shadow: 0 0 8px #fff;
    }
    .blink-slow {
      animation: blink 1s steps(1) infinite;
    }
    .blink-fast {
      animation: blink 0.25s steps(1) infinite;
    }
    .pulse {
      animation: pulse 0.5s ease-in-out infinite alternate;
    }
    .heartbeat {
      animation: heartbeat 3s steps(1) infinite;
    }
    .wink {
      animation: blink 0.5s steps(1) 3;
    }
    @keyframes blink {
      50% {
        opacity: 0.1;
      }
    }
    @keyframes pulse {
      to {
        opacity: 0.25;
      }
    }
    @keyframes heartbeat {
      0% {
        opacity: 1;
      }
      5% {
        opacity: 0.15;
      }
    }
  `;

  override render() {
    const led = this.winking ? { colour: 'white', pattern: 'wink' } : (this.led ?? { colour: 'off', pattern: 'solid' });
    return html`<span
      class="${led.colour} ${led.pattern}"
      role="img"
      aria-label="LED ${led.colour} ${led.pattern}"
      data-colour=${led.colour}
      data-pattern=${led.pattern}
    ></span>`;
  }
}
customElements.define('hkey-led', LedLight);
