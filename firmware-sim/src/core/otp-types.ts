import type { OtpAlgorithmCode, OtpKind } from '@hkey/protocol';

export type OtpKindName = keyof typeof OtpKind;
export type OtpAlgorithmName = keyof typeof OtpAlgorithmCode;
