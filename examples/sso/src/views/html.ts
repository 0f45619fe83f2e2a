/** HTML escaping and the frame every page shares: the stylesheet, the page script, and the status line. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] as string);
}

/** A tagged template whose ${values} are escaped unless they are already Html. */
export class Html {
  constructor(readonly text: string) {}
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((text, part, index) => text + part + (index < values.length ? render(values[index]) : ''), ''));
}

/** A whole page; `page` tells the page script which behaviour to attach. */
export function layout(title: string, page: string, content: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · hkey SSO example</title>
        <link rel="stylesheet" href="/app.css" />
        <script src="/app.js" defer></script>
      </head>
      <body data-page="${page}">
        <main>
          <header><span class="brand">hkey SSO</span><span class="tagline">example relying party</span></header>
          <h1>${title}</h1>
          ${content}
          <p id="status" role="status" aria-live="polite"></p>
        </main>
      </body>
    </html> `.text;
}
