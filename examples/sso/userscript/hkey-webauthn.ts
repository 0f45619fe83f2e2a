/**
 * navigator.credentials over `hkey bridge`, for trying the SSO example by hand in an ordinary browser: bundled as
 * a userscript (README.md, "By hand in a browser") and run at document-start, before the page's own scripts.
 * The PIN prompt is the browser's window.prompt().
 */
import { bridgeDeviceSource, installWebAuthn } from '@hkey/bridge';

installWebAuthn({ source: bridgeDeviceSource() });
