/**
 * The script the fixture adds to every page of the test's context (BrowserContext.addInitScript, which every
 * browser supports without CDP): a function holding the fixture's config (bridge token and PIN included) in a
 * const, around the bundle of the source's shims, so that the config never becomes a global page scripts could read.
 */
import { readFile } from 'node:fs/promises';
import { CONFIG_VARIABLE, type InitConfig } from './browser/config.js';

type SourceKind = InitConfig['source']['kind'];

interface BrowserBundles {
  bundleInitScript(kind: SourceKind): Promise<string>;
}

const FILES: Record<SourceKind, string> = { bridge: 'hkey-shims-bridge.js', 'in-page': 'hkey-shims-in-page.js' };
const bundles = new Map<SourceKind, Promise<string>>();

/** dist's prebuilt bundle next to this module; run from sources, a fresh one built from them. */
async function loadBundle(kind: SourceKind): Promise<string> {
  try {
    return await readFile(new URL(`./${FILES[kind]}`, import.meta.url), 'utf8');
  } catch {
    const builder = (await import(new URL('../scripts/browser-bundles.mjs', import.meta.url).href)) as BrowserBundles;
    return builder.bundleInitScript(kind);
  }
}

export async function initScript(config: InitConfig): Promise<string> {
  let bundle = bundles.get(config.source.kind);
  if (bundle === undefined) {
    bundle = loadBundle(config.source.kind);
    bundles.set(config.source.kind, bundle);
    bundle.catch(() => bundles.delete(config.source.kind));
  }
  return `(() => {\nconst ${CONFIG_VARIABLE} = ${JSON.stringify(config)};\n${await bundle}\n})();\n`;
}
