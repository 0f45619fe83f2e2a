/**
 * CTAPHID-compatible framing constants for HKP/1 over USB HID (docs/protocol.md §1).
 * Values follow CTAP 2.x §11.2; HKP_MSG is the vendor command that carries HKP messages.
 */

/**
 * The HKP interface's HID usage (§1.2): a vendor page, because operating systems and browsers reserve the
 * FIDO page 0xF1D0 for their own FIDO stacks (Windows needs administrator rights, WebHID refuses it).
 */
export const HKP_HID_USAGE_PAGE = 0xff48;
export const HKP_HID_USAGE = 0x01;

/** Every report is exactly this long, in both directions (§1.3). */
export const HID_REPORT_SIZE = 64;
/** Header of an initialization packet: CID(4) CMD(1) BCNT(2) (§1.3). */
export const HID_INIT_HEADER_SIZE = 7;
/** Header of a continuation packet: CID(4) SEQ(1) (§1.3). */
export const HID_CONT_HEADER_SIZE = 5;
/** Payload bytes an initialization packet carries. */
export const HID_INIT_DATA_SIZE = HID_REPORT_SIZE - HID_INIT_HEADER_SIZE;
/** Payload bytes a continuation packet carries. */
export const HID_CONT_DATA_SIZE = HID_REPORT_SIZE - HID_CONT_HEADER_SIZE;
/** Highest continuation sequence number; SEQ never wraps on HID. */
export const HID_MAX_SEQ = 0x7f;
/** 57 + 128 × 59: one initialization packet and 128 continuation packets (§1.3). */
export const HID_MAX_MESSAGE_SIZE = HID_INIT_DATA_SIZE + (HID_MAX_SEQ + 1) * HID_CONT_DATA_SIZE;
/** Bit 7 of byte 4 marks an initialization packet; the command is the other seven bits. */
export const HID_INIT_BIT = 0x80;

/** CID 0 is reserved and never valid (§1.4). */
export const HID_RESERVED_CID = 0;
/** The broadcast CID: only INIT may use it (§1.4). */
export const HID_BROADCAST_CID = 0xffffffff;

/** Longest gap allowed between two packets of one request before MSG_TIMEOUT (§1.12). */
export const HID_DEFAULT_PACKET_TIMEOUT_MS = 500;
/** CTAPHID LOCK accepts 0..10 seconds (§1.9). */
export const HID_MAX_LOCK_SECONDS = 10;

/** Command values without the initialization bit (§1.5). */
export const HidCommand = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
  HKP_MSG: 0x50,
} as const;
export type HidCommandName = keyof typeof HidCommand;

/** The one-byte payload of CTAPHID_ERROR (§1.10). */
export const HidError = {
  INVALID_CMD: 0x01,
  INVALID_PAR: 0x02,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  MSG_TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  LOCK_REQUIRED: 0x0a,
  INVALID_CHANNEL: 0x0b,
  OTHER: 0x7f,
} as const;
export type HidErrorName = keyof typeof HidError;
export type HidErrorCode = (typeof HidError)[HidErrorName];

/** The one-byte payload of CTAPHID_KEEPALIVE (§1.7). */
export const HidKeepaliveStatus = {
  PROCESSING: 0x01,
  UPNEEDED: 0x02,
} as const;

/** Capability flags of the INIT response (§1.6). */
export const HidCapability = {
  WINK: 0x01,
  CBOR: 0x04,
  NMSG: 0x08,
} as const;

/** What a key announces: WINK and CBOR, and NMSG clear because it answers U2F over MSG (§1.6, §9.3). */
export const HKP_HID_CAPABILITIES = HidCapability.WINK | HidCapability.CBOR;

/** CTAPHID protocol version in the INIT response (§1.6). */
export const HID_PROTOCOL_VERSION = 2;
/** INIT request nonce length (§1.6). */
export const HID_INIT_NONCE_SIZE = 8;
/** INIT response length: nonce(8) CID(4) version(1) major(1) minor(1) build(1) capabilities(1) (§1.6). */
export const HID_INIT_RESPONSE_SIZE = 17;
