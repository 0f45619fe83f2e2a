/**
 * Where in the page the caller runs (WebAuthn L3 §5.1.3 / §5.1.4 sameOriginWithAncestors, §5.8.1 crossOrigin and
 * topOrigin), and whether the document's Permissions Policy lets it use WebAuthn, as Chrome checks for
 * publickey-credentials-create / -get (the features are 'self' by default: cross-origin frames need allow="...").
 */
import { featureDisabled } from './errors.js';

export interface FrameContext {
  /** The caller is not same-origin with all its ancestors. */
  readonly crossOrigin: boolean;
  /** The top-level origin, for clientDataJSON, when the caller is in a cross-origin frame and it can be known. */
  readonly topOrigin?: string;
}

export type WebAuthnFeature = 'publickey-credentials-create' | 'publickey-credentials-get';

interface FrameScope {
  readonly top?: unknown;
  readonly self?: unknown;
  readonly location?: { readonly ancestorOrigins?: ArrayLike<string> };
  readonly document?: { readonly permissionsPolicy?: FeaturePolicy; readonly featurePolicy?: FeaturePolicy };
}

interface FeaturePolicy {
  allowsFeature(feature: string): boolean;
}

/** The caller's frame: a top-level document (or no window at all, as in Node) is same-origin with its ancestors. */
export function frameContext(origin: string, scope: FrameScope = globalThis as FrameScope): FrameContext {
  if (scope.top === undefined || scope.top === null || scope.top === scope.self) return { crossOrigin: false };
  // Chrome and Safari list every ancestor's origin, nearest first; elsewhere only a same-origin top can be read.
  const ancestors = Array.from(scope.location?.ancestorOrigins ?? []);
  const topOrigin = ancestors.at(-1) ?? readableTopOrigin(scope.top);
  const crossOrigin = ancestors.length > 0 ? ancestors.some((ancestor) => ancestor !== origin) : topOrigin !== origin;
  return crossOrigin ? { crossOrigin, ...(topOrigin === undefined ? {} : { topOrigin }) } : { crossOrigin };
}

function readableTopOrigin(top: unknown): string | undefined {
  try {
    const origin = (top as { location?: { origin?: unknown } }).location?.origin;
    return typeof origin === 'string' ? origin : undefined;
  } catch {
    // A cross-origin top's location throws SecurityError.
    return undefined;
  }
}

/**
 * A cross-origin frame may run the ceremony only when its document's policy allows the feature, where the browser
 * exposes that policy; same-origin frames and top-level pages are not asked (their default allowlist is 'self').
 */
export function assertFeatureAllowed(feature: WebAuthnFeature, frame: FrameContext, scope: FrameScope = globalThis as FrameScope): void {
  if (!frame.crossOrigin) return;
  const policy = scope.document?.permissionsPolicy ?? scope.document?.featurePolicy;
  if (policy !== undefined && typeof policy.allowsFeature === 'function' && !policy.allowsFeature(feature)) {
    throw featureDisabled(feature);
  }
}
