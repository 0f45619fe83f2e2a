/** The time limits of docs/protocol.md that cases measure, in one place. */

/** §1.7, §2.6: KEEPALIVE at least every 100 ms while a request is processed. */
export const KEEPALIVE_MAX_GAP_MS = 100;
/** §1.8, §2.7: a cancelled request is answered within 100 ms. */
export const CANCEL_ANSWER_MS = 100;
/** §1.12: at most 500 ms between packets of one request; MSG_TIMEOUT within 100 ms after that. */
export const HID_PACKET_TIMEOUT_MS = 500;
/** §2.10: at most 2000 ms between fragments of one message; REQ_TIMEOUT within 100 ms after that. */
export const BLE_FRAGMENT_TIMEOUT_MS = 2000;
/** §1.12 and §2.10: errors for a timed-out request follow within 100 ms. */
export const TIMEOUT_ERROR_MS = 100;
/** §6.3: a press is awaited for 30 s. */
export const PRESENCE_TIMEOUT_MS = 30_000;
/** §4.16: Wipe needs the button held for 10 s. */
export const WIPE_HOLD_MS = 10_000;
/** How long a case waits for an answer that should come at once: generous for slow links, short enough to fail fast. */
export const ANSWER_MS = 2_000;
/** How long a case listens to make sure the key stays silent. */
export const SILENCE_MS = 250;
/** How long a case watches the KEEPALIVE cadence. */
export const CADENCE_WINDOW_MS = 1_000;
