/**
 * How the web page learns that `resnet50 serve` sent it: the server writes a
 * `<meta name="resnet50-serve" content="{…}">` into the page's index.html, and the page (web/src)
 * then sends images to this server instead of loading weights in the browser. Served by any other
 * server the page has no such tag and runs the model itself. No Node module here: the page's bundle
 * imports this file.
 */

/** The meta tag's name. */
export const SERVE_META_NAME = 'resnet50-serve';

/** What the page reads from the tag. */
export interface ServePageConfig {
  /** The v1 endpoints this server offers: classify, embed, cam, detect. */
  tasks: string[];
  /** Whether v1 requests need `Authorization: Bearer <token>` (the page asks for it). */
  token: boolean;
  /**
   * The model, shown on the page. Absent when a token is required: the model's metadata needs the
   * token too.
   */
  model?: { arch: string; numClasses: number; backend: string; precision: string; weights: string };
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '"': '&quot;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
};

/** `html` with the tag holding `config` placed at the end of its head (or at its start). */
export function withServeConfig(html: string, config: ServePageConfig): string {
  const content = JSON.stringify(config).replace(/[&"<>']/g, (c) => ENTITIES[c]!);
  const tag = `<meta name="${SERVE_META_NAME}" content="${content}">`;
  const at = html.search(/<\/head\s*>/i);
  return at < 0 ? tag + html : html.slice(0, at) + tag + html.slice(at);
}

/** The config of the page's tag, or null when no `resnet50 serve` sent the page. */
export function readServeConfig(doc: Document): ServePageConfig | null {
  const meta = doc.querySelector(`meta[name="${SERVE_META_NAME}"]`);
  const content = meta?.getAttribute('content');
  return content == null ? null : (JSON.parse(content) as ServePageConfig);
}
