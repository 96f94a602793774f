// Graphviz (WASM) layout to SVG, and the sanitizer every SVG goes through
// before it reaches the document. Labels are already escaped in the DOT; the
// sanitizer is the second wall: only Graphviz's own drawing elements and
// presentation attributes survive, so nothing from the data can become markup,
// a script, a link or an event handler.
import { instance, type Viz } from '@viz-js/viz';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ELEMENTS = new Set([
  'svg',
  'g',
  'title',
  'polygon',
  'polyline',
  'path',
  'ellipse',
  'text',
  'tspan',
]);
const ATTRIBUTES = new Set([
  'id',
  'class',
  'transform',
  'points',
  'd',
  'cx',
  'cy',
  'rx',
  'ry',
  'x',
  'y',
  'width',
  'height',
  'viewBox',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'fill-opacity',
  'stroke-opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
]);
const SAFE_VALUE = /^[^<>"'`\\]*$/;

let vizPromise: Promise<Viz> | undefined;

/** Starts loading Graphviz (compiling the WASM) so the first render does not wait for it. */
export function preloadViz(): Promise<Viz> {
  vizPromise ??= instance();
  return vizPromise;
}

/**
 * Lays out `dot` (a small graph using every feature real graphs use) a few
 * times, so the WASM code they need is compiled and optimised before the data
 * arrives. Runs while the page waits for its first message.
 */
export async function warmUpViz(
  dots: readonly string[],
  rounds: number,
  stopForWork = false,
): Promise<void> {
  const viz = await preloadViz();
  for (let i = 0; i < rounds; i++)
    for (const dot of dots) {
      // Real work goes first: background rounds stop once a graph has been asked for.
      if (stopForWork && layoutsRequested > 0) return;
      svgTextToElement(viz.renderString(dot, { format: 'svg', engine: 'dot' }));
      await new Promise((r) => setTimeout(r, 0));
    }
}

let layoutsRequested = 0;

export async function dotToSvgText(dot: string): Promise<string> {
  layoutsRequested++;
  const viz = await preloadViz();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}

/** Keeps only allow-listed SVG elements and attributes; returns the cleaned root. */
export function sanitizeSvg(root: Element): SVGSVGElement | undefined {
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg') return undefined;
  const walk = (el: Element): void => {
    for (const child of [...el.childNodes]) {
      if (child.nodeType === 3) continue; // text
      if (child.nodeType !== 1) {
        child.remove(); // comments, processing instructions, CDATA
        continue;
      }
      const c = child as Element;
      if (c.namespaceURI !== SVG_NS || !ELEMENTS.has(c.localName)) {
        c.remove();
        continue;
      }
      walk(c);
    }
    for (const attr of [...el.attributes]) {
      const ok =
        attr.namespaceURI === null &&
        ATTRIBUTES.has(attr.name) &&
        SAFE_VALUE.test(attr.value) &&
        !/url\s*\(|javascript:|data:/i.test(attr.value);
      if (!ok) el.removeAttributeNS(attr.namespaceURI, attr.localName);
    }
  };
  walk(root);
  return root as SVGSVGElement;
}

/** Parses Graphviz SVG output (never as HTML) and returns a sanitized element for this document. */
export function svgTextToElement(svg: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const clean = sanitizeSvg(doc.documentElement);
  if (!clean || doc.getElementsByTagName('parsererror').length)
    throw new Error('Graphviz produced invalid SVG');
  return document.importNode(clean, true);
}

export async function renderDot(dot: string): Promise<{ svg: SVGSVGElement; text: string }> {
  const text = await dotToSvgText(dot);
  return { svg: svgTextToElement(text), text };
}
