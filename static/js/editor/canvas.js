// The Cytoscape canvas: element builders, overview zones, the instance itself and its first frame.
import { CONFIG, KIND_STYLE, NODE_H, NODE_W, READONLY, SEV_COLOR, T0, TRUST_COLOR, VISUAL } from './config.js';
import { $ } from './dom.js';
import { on } from './events.js';
import { boundaryDepth, state } from './state.js';
import { fullStyle, leanStyle } from './styles.js';

export const container = $('#diagram');
// Set by initCanvas (they depend on the loaded document).
export let big = false;
export let ZONES = false;
export let cy = null;
// Overview mode draws node labels only once they could be legible (see showLabels); other modes always do.
export let labelsOn = true;
const badgeCache = {};
export function badgeUri(sev, count) {
  const key = sev + count;
  if (!badgeCache[key]) {
    const label = count > 99 ? '99+' : String(count);
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="' +
      SEV_COLOR[sev] + '" stroke="white" stroke-width="3"/><text x="20" y="26" font-family="Arial,sans-serif" ' +
      'font-size="' + (label.length > 2 ? 13 : 18) + '" font-weight="bold" fill="white" text-anchor="middle">' + label + '</text></svg>';
    badgeCache[key] = 'data:image/svg+xml;utf8,' + encodeURIComponent(svg);
  }
  return badgeCache[key];
}

// Large models open in overview mode: boundaries are fixed zones (plain nodes drawn under their members)
// instead of compound nodes, which Cytoscape cannot style and draw quickly at thousands of nodes.
// Membership stays data (component.boundary / boundary.parent) and dropping a node on a zone still sets it.
function zoneBoxes() {
  const boxes = {};
  const grow = function (bid, x1, y1, x2, y2) {
    const seen = {};
    let depth = 0;
    while (bid && state.elements.boundary.has(bid) && !seen[bid]) {
      seen[bid] = 1; depth++;
      const pad = 18 + 14 * depth;
      const b = boxes[bid] || (boxes[bid] = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity });
      b.x1 = Math.min(b.x1, x1 - pad); b.y1 = Math.min(b.y1, y1 - pad - 22); b.x2 = Math.max(b.x2, x2 + pad); b.y2 = Math.max(b.y2, y2 + pad);
      bid = state.elements.boundary.get(bid).parent;
    }
  };
  state.elements.component.forEach(function (c) {
    if (c.boundary && c.position) grow(c.boundary, c.position.x - NODE_W / 2, c.position.y - NODE_H / 2, c.position.x + NODE_W / 2, c.position.y + NODE_H / 2);
  });
  return boxes;
}
export function componentElement(c) {
  const ks = KIND_STYLE[c.kind] || KIND_STYLE.service;
  const data = { id: c.id, label: c.name, etype: 'component', ckind: c.kind, shape: ks[0], fill: ks[1], stroke: ks[2] };
  if (c.boundary && state.elements.boundary.has(c.boundary) && !ZONES) data.parent = c.boundary;
  const out = { group: 'nodes', data: data, classes: 'component' + (c.internet_facing ? ' internet' : '') + (c._removed ? ' diff-removed' : '') + (labelsOn ? ' lbl' : '') };
  if (c.position) out.position = { x: c.position.x, y: c.position.y };
  return out;
}
export function boundaryElement(b, box) {
  const data = { id: b.id, label: b.name, etype: 'boundary', bkind: b.kind, trust: b.trust_level, tcolor: TRUST_COLOR[b.trust_level] || '#64748b' };
  if (b.parent && state.elements.boundary.has(b.parent) && !ZONES) data.parent = b.parent;
  const out = { group: 'nodes', data: data, classes: 'boundary' + (ZONES ? ' zone' : '') + (b._removed ? ' diff-removed' : '') + (labelsOn ? ' lbl' : '') };
  if (b.position) out.position = { x: b.position.x, y: b.position.y };
  if (ZONES) {
    box = box || zoneBoxes()[b.id];
    if (box && isFinite(box.x1)) { data.w = Math.round(box.x2 - box.x1); data.h = Math.round(box.y2 - box.y1); out.position = { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 }; }
    else { data.w = 180; data.h = 90; }
    data.z = boundaryDepth(b.id);
    out.grabbable = false;
  }
  return out;
}
export function flowLabel(f) { return f.protocol + (f.port ? ':' + f.port : ''); }
export function flowElement(f) {
  return { group: 'edges', data: { id: f.id, source: f.source, target: f.target, label: flowLabel(f), etype: 'flow' },
    classes: 'flow' + (f.encryption === 'none' ? ' plain' : '') + (f.encryption === 'unspecified' ? ' unstated' : '') + (f.bidirectional ? ' both' : '') + (f._removed ? ' diff-removed' : '') };
}
export function cyElements() {
  const out = [];
  // boundaries parents first
  const bs = Array.from(state.elements.boundary.values());
  const depth = function (b) { let d = 0; const seen = {}; while (b && b.parent && !seen[b.id]) { seen[b.id] = 1; b = state.elements.boundary.get(b.parent); d++; } return d; };
  bs.sort(function (a, b) { return depth(a) - depth(b); });
  const boxes = ZONES ? zoneBoxes() : {};
  bs.forEach(function (b) { out.push(boundaryElement(b, boxes[b.id])); });
  state.elements.component.forEach(function (c) { out.push(componentElement(c)); });
  state.elements.flow.forEach(function (f) {
    if (state.elements.component.has(f.source) && state.elements.component.has(f.target)) out.push(flowElement(f));
  });
  return out;
}

function syncCy(kind, before, after) {
  if (!VISUAL[kind]) return;
  let ele = cy.$id(after.id);
  if (ele.empty()) return;
  if (kind === 'component') {
    const ks = KIND_STYLE[after.kind] || KIND_STYLE.service;
    ele.data({ label: after.name, ckind: after.kind, shape: ks[0], fill: ks[1], stroke: ks[2] });
    ele.toggleClass('internet', !!after.internet_facing);
    const parent = after.boundary && cy.$id(after.boundary).nonempty() ? after.boundary : null;
    if (!ZONES && (ele.data('parent') || null) !== parent) ele.move({ parent: parent });
    ele = cy.$id(after.id);
    if (after.position && (!before || !before.position || before.position.x !== after.position.x || before.position.y !== after.position.y)) {
      const p = ele.position();
      if (Math.abs(p.x - after.position.x) > 0.5 || Math.abs(p.y - after.position.y) > 0.5) ele.position({ x: after.position.x, y: after.position.y });
    }
  } else if (kind === 'boundary') {
    ele.data({ label: after.name, bkind: after.kind, trust: after.trust_level, tcolor: TRUST_COLOR[after.trust_level] || '#64748b' });
    const bp = after.parent && cy.$id(after.parent).nonempty() ? after.parent : null;
    if (!ZONES && (ele.data('parent') || null) !== bp) ele.move({ parent: bp });
    ele = cy.$id(after.id);
    if (!ZONES && ele.isChildless() && after.position) ele.position({ x: after.position.x, y: after.position.y });
    if (ZONES) ele.data('z', boundaryDepth(after.id));
  } else if (kind === 'flow') {
    ele.data('label', flowLabel(after));
    ele.toggleClass('plain', after.encryption === 'none');
    ele.toggleClass('unstated', after.encryption === 'unspecified');
    ele.toggleClass('both', !!after.bidirectional);
    if (ele.data('source') !== after.source || ele.data('target') !== after.target) ele.move({ source: after.source, target: after.target });
  }
}
function addCy(kind, item) {
  if (!VISUAL[kind]) return;
  if (kind === 'flow') {
    if (cy.$id(item.source).nonempty() && cy.$id(item.target).nonempty()) cy.add(flowElement(item));
  } else if (kind === 'component') {
    cy.add(componentElement(item));
  } else {
    cy.add(boundaryElement(item));
  }
}
function removeCy(kind, id) {
  if (!VISUAL[kind]) return;
  const ele = cy.$id(id);
  if (ele.empty()) return;
  if (ele.isParent && ele.isParent()) ele.children().move({ parent: ele.data('parent') || null });
  cy.$id(id).remove();
}
// Keeps the canvas in step with the state (subscribed to 'applied' before every other view).
function syncCanvas(records) {
  cy.batch(function () {
    records.forEach(function (r) {
      if (r.op === 'create') addCy(r.kind, r.after);
      else if (r.op === 'update') syncCy(r.kind, r.before, r.after);
      else removeCy(r.kind, r.id);
    });
  });
}
// Fit the view, never past 100 % (a small model opens at its real size, centred).
export function fitView(eles) {
  cy.fit(eles, 30);
  if (cy.zoom() > 1) { cy.zoom(1); cy.center(eles); }
}

// Large models: the initial viewport comes from the stored positions, so Cytoscape need not measure every
// label to fit the view before the first frame.
function initialViewport(elements) {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  elements.forEach(function (e) {
    if (e.group !== 'nodes' || !e.position) return;
    const w = (e.data.w || NODE_W) / 2, h = (e.data.h || NODE_H) / 2;
    x1 = Math.min(x1, e.position.x - w); x2 = Math.max(x2, e.position.x + w);
    y1 = Math.min(y1, e.position.y - h); y2 = Math.max(y2, e.position.y + h);
  });
  if (!isFinite(x1)) return null;
  const pad = 30, cw = container.clientWidth || 800, ch = container.clientHeight || 600;
  const zoom = Math.max(0.02, Math.min(1, (cw - 2 * pad) / Math.max(1, x2 - x1), (ch - 2 * pad) / Math.max(1, y2 - y1)));
  return { zoom: zoom, pan: { x: (cw - zoom * (x1 + x2)) / 2, y: (ch - zoom * (y1 + y2)) / 2 } };
}

// Overview mode opens zoomed out so far that no label is drawn (font size x zoom < min-zoomed-font-size), yet
// Cytoscape would still style, measure and wrap 2,000 labels before the first frame. So node labels (class
// 'lbl') are switched on after the first frame, when the browser is idle, or at once when the user zooms in
// far enough for them to become legible, or before an export. The first frame looks the same either way.
const LABEL_ZOOM = 0.45;  // the lean stylesheet draws labels from zoom 9/18 (boundaries) and 9/13 (components)
export function showLabels() {
  if (labelsOn || !cy) return;
  labelsOn = true;
  cy.off('zoom', onZoomForLabels);
  cy.batch(function () { cy.nodes().addClass('lbl'); });
}
function onZoomForLabels() { if (cy.zoom() >= LABEL_ZOOM) showLabels(); }
function whenIdle(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 1500 }); else setTimeout(fn, 200);
}

// The layered texture cache of Cytoscape's canvas renderer normally paints every element into its layer
// bitmaps synchronously in the first frame and only then draws the layers; asked lazily, it draws the
// elements directly in that frame and fills the layers in the following frames. Internal (3.x) switch, so
// it is checked before it is used; without it the first frame is just slower.
function lazyLayers(instance) {
  const renderer = instance.renderer();
  const layers = renderer && renderer.data && renderer.data.lyrTxrCache;
  if (layers && layers.firstGet === true) layers.firstGet = false;
}

export function initCanvas(afterReady) {
  big = state.elements.component.size > 600 || state.elements.flow.size > 1500;
  // Large models open in overview mode (see above).
  ZONES = big;
  labelsOn = !ZONES;
  const tStart = performance.now();
  performance.mark('editor:cytoscape');
  const initialElements = cyElements();
  performance.mark('editor:elements');
  const viewport = big ? initialViewport(initialElements) : null;
  cy = window.cytoscape({
    container: container,
    elements: initialElements,
    style: ZONES ? leanStyle() : fullStyle(big, ZONES),
    layout: { name: 'preset', fit: false },
    zoom: viewport ? viewport.zoom : 1,
    pan: viewport ? viewport.pan : { x: 0, y: 0 },
    wheelSensitivity: 0.4,
    minZoom: 0.02, maxZoom: 3,
    boxSelectionEnabled: true,
    selectionType: 'single',  // a click replaces the selection; Shift/Ctrl adds (Cytoscape's multi-select keys)
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    hideLabelsOnViewport: big,
    pixelRatio: big ? 1 : 'auto',
    autoungrabify: READONLY,
    autounselectify: false
  });
  cy.boxSelectionEnabled(true);
  if (!viewport) fitView();
  on('applied', syncCanvas);
  if (!labelsOn) { lazyLayers(cy); cy.on('zoom', onZoomForLabels); }
  performance.mark('editor:built');

  let readyFired = false;
  cy.one('render', function () {
    if (readyFired) return;
    readyFired = true;
    performance.mark('editor:first-frame');
    state.firstRenderMs = performance.now() - tStart;
    document.body.dataset.editorTimings = JSON.stringify({ script: Math.round(T0), cytoscape: Math.round(tStart), firstFrame: Math.round(performance.now()) });
    // What that frame drew, for the benchmark to check against the model (every component and flow).
    document.body.dataset.editorDrawn = JSON.stringify({ components: cy.nodes('.component').length, flows: cy.edges('.flow').length });
    // Ready (and timed) at the next animation frame: the task that drew the first frame has finished, the
    // browser can present it and the page answers input.
    requestAnimationFrame(function () {
      performance.mark('editor:ready');
      document.body.dataset.editorReadyAt = String(performance.now());
      document.body.dataset.editorReady = '1';
      window.dispatchEvent(new CustomEvent('trustmap:ready', { detail: { ms: state.firstRenderMs } }));
      setTimeout(afterReady, 0);
      if (!labelsOn) whenIdle(showLabels);
    });
  });

  // diff view
  if (CONFIG.diff) {
    cy.batch(function () {
      Object.keys(CONFIG.diff).forEach(function (id) {
        const status = CONFIG.diff[id];
        const ele = cy.$id(id);
        if (ele.nonempty() && status !== 'removed') ele.addClass('diff-' + status);
      });
    });
  }
}
