/**
 * The dashboard page's files: built into dist/dashboard by firmware-sim's build (dashboard/build.ts), or handed in
 * by whoever built them on demand (tests, development). They hold code only, never data.
 */
import { readFileSync } from 'node:fs';

export interface DashboardAssets {
  /** By URL path: "/", "/dashboard.js", "/dashboard.css". */
  readonly files: ReadonlyMap<string, string>;
}

export const DASHBOARD_FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/**
 * dist/dashboard next to this package's dist/node, or, when this file runs from sources (tsx: `hkey sim` in the
 * repository, the CLI's tests), the package's last build of it; undefined when the package was never built.
 */
export function loadBuiltDashboard(): DashboardAssets | undefined {
  const fromSources = import.meta.url.endsWith('.ts');
  const directory = new URL(fromSources ? '../../../dist/dashboard/' : '../dashboard/', import.meta.url);
  try {
    return { files: new Map(Object.entries(DASHBOARD_FILES).map(([path, { file }]) => [path, readFileSync(new URL(file, directory), 'utf8')])) };
  } catch {
    return undefined;
  }
}
