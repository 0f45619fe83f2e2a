/**
 * The control API token: taken from the address once (#token=, or ?token= as a fallback), kept in this tab's
 * sessionStorage, and removed from the address bar and history at once so it is neither bookmarked nor shared.
 */
const STORAGE_KEY = 'hkey-control-token';

export function takeToken(): string | undefined {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  const fromQuery = new URLSearchParams(location.search).get('token');
  const presented = fromFragment ?? fromQuery;
  if (presented !== null) {
    sessionStorage.setItem(STORAGE_KEY, presented);
    history.replaceState(null, '', location.pathname);
    return presented;
  }
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function forgetToken(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
