/* Trustmap diagram editor (Cytoscape.js, no build step).
 *
 * The page embeds three JSON blocks (json_script): the model document, the vocabularies (every field of every
 * element kind with its allowed values) and the configuration (API addresses, permissions). All edits are
 * change sets against the API with the revision they were based on; a 409 shows what changed and offers a
 * reload, never overwrites. Data is only ever put into the page with textContent / form values; Cytoscape
 * labels are canvas text. Test hooks live on window.trustmap (they return primitives only).
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------------------------- setup
  var T0 = performance.now();
  var readJSON = function (id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; };
  var CONFIG = readJSON('editor-config');
  var VOCAB = readJSON('editor-vocabulary');
  var INITIAL = readJSON('editor-document');
  if (!CONFIG || !INITIAL || !window.cytoscape) return;
  var READONLY = !!CONFIG.readonly || !CONFIG.can_edit;
  var KINDS = VOCAB.kinds;
  var KIND_OF = {};
  Object.keys(KINDS).forEach(function (k) { KIND_OF[KINDS[k].collection] = k; });
  var VISUAL = { boundary: true, component: true, flow: true };
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var SEV_COLOR = { critical: '#9f1239', high: '#dc2626', medium: '#d97706', low: '#2563eb', info: '#64748b' };
  var KIND_STYLE = {
    'service': ['round-rectangle', '#dbeafe', '#1d4ed8'],
    'web-frontend': ['round-rectangle', '#ccfbf1', '#0f766e'],
    'api-gateway': ['round-hexagon', '#e0e7ff', '#4338ca'],
    'load-balancer': ['rhomboid', '#e0e7ff', '#4338ca'],
    'datastore': ['barrel', '#fef3c7', '#b45309'],
    'queue': ['cut-rectangle', '#fae8ff', '#a21caf'],
    'cache': ['bottom-round-rectangle', '#ffedd5', '#c2410c'],
    'serverless-function': ['round-tag', '#dcfce7', '#15803d'],
    'external-entity': ['rectangle', '#f1f5f9', '#334155'],
    'human-user': ['ellipse', '#f1f5f9', '#334155'],
    'identity-provider': ['round-octagon', '#ede9fe', '#6d28d9'],
    'secret-store': ['barrel', '#fee2e2', '#991b1b'],
    'logging': ['round-rectangle', '#f5f5f4', '#57534e'],
    'analytics': ['round-rectangle', '#fce7f3', '#9d174d'],
    'batch-job': ['rectangle', '#ecfccb', '#4d7c0f']
  };
  var TRUST_COLOR = { untrusted: '#dc2626', low: '#ea580c', medium: '#2563eb', high: '#16a34a' };

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var el = function (tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'class') node.className = attrs[k];
      else if (k === 'dataset') Object.keys(attrs[k]).forEach(function (d) { node.dataset[d] = attrs[k][d]; });
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  var clear = function (node) { while (node && node.firstChild) node.removeChild(node.firstChild); };
  var clone = function (v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); };
  var csrf = function () {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector('input[name=csrfmiddlewaretoken]');
    return input ? input.value : '';
  };

  var statusEl = $('#editor-status');
  var announce = function (msg, kind) {
    if (!statusEl) return;
    statusEl.textContent = msg;
    statusEl.dataset.kind = kind || 'info';
  };

  // ---------------------------------------------------------------------------------------------- state
  var state = {
    revision: INITIAL.revision,
    info: INITIAL.document.model || {},
    elements: {},
    findings: [], findingsByElement: {}, paths: [], scores: null, assessed: false,
    undo: [], redo: [], pending: 0, conflict: false, clipboard: null, armed: null,
    unsavedLayout: false, lastRoundTrip: null, roundTrips: [], saves: 0, highlightedPath: null
  };
  Object.keys(KINDS).forEach(function (k) { state.elements[k] = new Map(); });
  // The page sends fields left at their default only once, in the vocabulary: put them back.
  var DEFAULTS = {};
  Object.keys(KINDS).forEach(function (k) {
    DEFAULTS[k] = {};
    KINDS[k].fields.forEach(function (f) { if (f.default !== null && f.default !== undefined && f.name !== 'id') DEFAULTS[k][f.name] = f.default; });
  });
  var withDefaults = function (kind, item) {
    var d = DEFAULTS[kind], out = {};
    for (var key in d) { var v = d[key]; out[key] = Array.isArray(v) ? [] : (v !== null && typeof v === 'object') ? {} : v; }
    for (var own in item) out[own] = item[own];
    if (out.position === undefined && (kind === 'component' || kind === 'boundary')) out.position = null;
    return out;
  };
  var loadDocument = function (doc, revision) {
    state.revision = revision;
    state.info = doc.model || {};
    Object.keys(KINDS).forEach(function (k) { state.elements[k] = new Map(); });
    var unsaved = false;
    Object.keys(KIND_OF).forEach(function (collection) {
      (doc[collection] || []).forEach(function (item) {
        if (item._unsaved_position) { unsaved = true; }
        state.elements[KIND_OF[collection]].set(item.id, withDefaults(KIND_OF[collection], item));
      });
    });
    state.unsavedLayout = unsaved;
  };
  loadDocument(INITIAL.document, INITIAL.revision);

  var kindOfId = function (id) {
    for (var k in state.elements) if (state.elements[k].has(id)) return k;
    return null;
  };
  var getEl = function (id) { var k = kindOfId(id); return k ? state.elements[k].get(id) : null; };
  var displayName = function (item, kind) {
    if (!item) return '';
    if (kind === 'flow') {
      var s = state.elements.component.get(item.source), t = state.elements.component.get(item.target);
      return item.name || ((s ? s.name : item.source) + ' → ' + (t ? t.name : item.target));
    }
    if (kind === 'grant') return item.identity + ' → ' + item.target;
    if (kind === 'control') return item.control + ' on ' + item.target;
    return item.name || item.id;
  };
  var defaults = function (kind) {
    var out = {};
    KINDS[kind].fields.forEach(function (f) { if (f.default !== null && f.default !== undefined) out[f.name] = clone(f.default); });
    return out;
  };
  var idPattern = new RegExp(VOCAB.id_pattern);
  var newId = function (base) {
    var slug = String(base).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'element';
    for (var n = 1; ; n++) {
      var candidate = slug + '-' + n;
      if (!kindOfId(candidate) && idPattern.test(candidate)) return candidate;
    }
  };

  // ---------------------------------------------------------------------------------------------- cytoscape
  var container = $('#diagram');
  var big = state.elements.component.size > 600 || state.elements.flow.size > 1500;
  var NODE_W = 150, NODE_H = 50;

  var badgeCache = {};
  var badgeUri = function (sev, count) {
    var key = sev + count;
    if (!badgeCache[key]) {
      var label = count > 99 ? '99+' : String(count);
      var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="' +
        SEV_COLOR[sev] + '" stroke="white" stroke-width="3"/><text x="20" y="26" font-family="Arial,sans-serif" ' +
        'font-size="' + (label.length > 2 ? 13 : 18) + '" font-weight="bold" fill="white" text-anchor="middle">' + label + '</text></svg>';
      badgeCache[key] = 'data:image/svg+xml;utf8,' + encodeURIComponent(svg);
    }
    return badgeCache[key];
  };

  // Large models open in overview mode: boundaries are fixed zones (plain nodes drawn under their members)
  // instead of compound nodes, which Cytoscape cannot style and draw quickly at thousands of nodes.
  // Membership stays data (component.boundary / boundary.parent) and dropping a node on a zone still sets it.
  var ZONES = big;
  var boundaryDepth = function (id) {
    var d = 0, seen = {};
    while (id && state.elements.boundary.has(id) && !seen[id]) { seen[id] = 1; id = state.elements.boundary.get(id).parent; d++; }
    return d;
  };
  var zoneBoxes = function () {
    var boxes = {};
    var grow = function (bid, x1, y1, x2, y2) {
      var seen = {};
      var depth = 0;
      while (bid && state.elements.boundary.has(bid) && !seen[bid]) {
        seen[bid] = 1; depth++;
        var pad = 18 + 14 * depth;
        var b = boxes[bid] || (boxes[bid] = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity });
        b.x1 = Math.min(b.x1, x1 - pad); b.y1 = Math.min(b.y1, y1 - pad - 22); b.x2 = Math.max(b.x2, x2 + pad); b.y2 = Math.max(b.y2, y2 + pad);
        bid = state.elements.boundary.get(bid).parent;
      }
    };
    state.elements.component.forEach(function (c) {
      if (c.boundary && c.position) grow(c.boundary, c.position.x - NODE_W / 2, c.position.y - NODE_H / 2, c.position.x + NODE_W / 2, c.position.y + NODE_H / 2);
    });
    return boxes;
  };
  var componentElement = function (c) {
    var ks = KIND_STYLE[c.kind] || KIND_STYLE.service;
    var data = { id: c.id, label: c.name, etype: 'component', ckind: c.kind, shape: ks[0], fill: ks[1], stroke: ks[2] };
    if (c.boundary && state.elements.boundary.has(c.boundary) && !ZONES) data.parent = c.boundary;
    var out = { group: 'nodes', data: data, classes: 'component' + (c.internet_facing ? ' internet' : '') + (c._removed ? ' diff-removed' : '') };
    if (c.position) out.position = { x: c.position.x, y: c.position.y };
    return out;
  };
  var boundaryElement = function (b, box) {
    var data = { id: b.id, label: b.name, etype: 'boundary', bkind: b.kind, trust: b.trust_level, tcolor: TRUST_COLOR[b.trust_level] || '#64748b' };
    if (b.parent && state.elements.boundary.has(b.parent) && !ZONES) data.parent = b.parent;
    var out = { group: 'nodes', data: data, classes: 'boundary' + (ZONES ? ' zone' : '') + (b._removed ? ' diff-removed' : '') };
    if (b.position) out.position = { x: b.position.x, y: b.position.y };
    if (ZONES) {
      box = box || zoneBoxes()[b.id];
      if (box && isFinite(box.x1)) { data.w = Math.round(box.x2 - box.x1); data.h = Math.round(box.y2 - box.y1); out.position = { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 }; }
      else { data.w = 180; data.h = 90; }
      data.z = boundaryDepth(b.id);
      out.grabbable = false;
    }
    return out;
  };
  var flowLabel = function (f) { return f.protocol + (f.port ? ':' + f.port : ''); };
  var flowElement = function (f) {
    return { group: 'edges', data: { id: f.id, source: f.source, target: f.target, label: flowLabel(f), etype: 'flow' },
      classes: 'flow' + (f.encryption === 'none' ? ' plain' : '') + (f.bidirectional ? ' both' : '') + (f._removed ? ' diff-removed' : '') };
  };
  var cyElements = function () {
    var out = [];
    // boundaries parents first
    var bs = Array.from(state.elements.boundary.values());
    var depth = function (b) { var d = 0, seen = {}; while (b && b.parent && !seen[b.id]) { seen[b.id] = 1; b = state.elements.boundary.get(b.parent); d++; } return d; };
    bs.sort(function (a, b) { return depth(a) - depth(b); });
    var boxes = ZONES ? zoneBoxes() : {};
    bs.forEach(function (b) { out.push(boundaryElement(b, boxes[b.id])); });
    state.elements.component.forEach(function (c) { out.push(componentElement(c)); });
    state.elements.flow.forEach(function (f) {
      if (state.elements.component.has(f.source) && state.elements.component.has(f.target)) out.push(flowElement(f));
    });
    return out;
  };

  var style = [
    { selector: 'node', style: { 'label': 'data(label)', 'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', 'font-size': 12, 'min-zoomed-font-size': big ? 7 : 4 } },
    { selector: 'node.component', style: {
      'shape': 'data(shape)', 'background-color': 'data(fill)', 'border-color': 'data(stroke)', 'border-width': 2,
      'width': NODE_W, 'height': NODE_H, 'text-valign': 'center', 'text-halign': 'center', 'text-wrap': big ? 'ellipsis' : 'wrap',
      'text-max-width': NODE_W - 14, 'color': '#0f172a', 'font-weight': 600, 'font-size': 15, 'line-height': 1.1 } },
    { selector: 'node.component.internet', style: { 'border-style': 'double', 'border-width': 5 } },
    { selector: 'node.boundary', style: {
      'shape': 'round-rectangle', 'background-color': 'data(tcolor)', 'background-opacity': 0.04,
      'border-color': 'data(tcolor)', 'border-width': 2, 'border-style': 'dashed', 'padding': 16,
      'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -3, 'color': '#1e293b', 'font-weight': 700,
      'font-size': 18, 'text-background-color': '#ffffff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
      'compound-sizing-wrt-labels': big ? 'exclude' : 'include', 'min-width': 160, 'min-height': 70 } },
    { selector: 'edge', style: {
      'width': 2, 'line-color': '#64748b', 'target-arrow-color': '#64748b', 'target-arrow-shape': 'triangle',
      'curve-style': big ? 'haystack' : 'bezier', 'arrow-scale': 1.1, 'label': big ? '' : 'data(label)', 'font-size': 11,
      'color': '#334155', 'text-background-color': '#ffffff', 'text-background-opacity': 0.9, 'text-background-padding': 2,
      'text-rotation': 'autorotate', 'min-zoomed-font-size': 6, 'haystack-radius': 0 } },
    { selector: 'node.zone', style: { 'width': 'data(w)', 'height': 'data(h)', 'z-index-compare': 'manual', 'z-index': 'data(z)', 'text-margin-y': 22 } },
    { selector: 'node.component', style: ZONES ? { 'z-index-compare': 'manual', 'z-index': 100 } : {} },
    { selector: 'edge', style: ZONES ? { 'z-index-compare': 'manual', 'z-index': 90, 'width': 1, 'arrow-scale': 0.8 } : {} },
    { selector: 'edge.plain', style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 5] } },
    { selector: 'edge.both', style: { 'source-arrow-shape': 'triangle', 'source-arrow-color': '#64748b' } },
    { selector: 'node.component[sev]', style: { 'border-color': 'data(sevcolor)', 'border-width': 4 } },
    { selector: 'node[badge]', style: {
      'background-image': 'data(badge)', 'background-width': 24, 'background-height': 24, 'background-position-x': '100%',
      'background-position-y': '0%', 'background-offset-x': 12, 'background-offset-y': -12, 'background-clip': 'none',
      'background-image-containment': 'over', 'bounds-expansion': 14, 'background-image-opacity': 1 } },
    { selector: 'edge[sev]', style: { 'line-color': 'data(sevcolor)', 'target-arrow-color': 'data(sevcolor)', 'source-arrow-color': 'data(sevcolor)', 'width': 3, 'color': 'data(sevcolor)', 'font-weight': 700 } },
    { selector: ':selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.18, 'overlay-padding': 6 } },
    { selector: 'node.boundary:selected', style: { 'border-width': 4, 'border-color': '#2563eb' } },
    { selector: '.path-dim', style: { 'opacity': 0.18 } },
    { selector: '.path-on', style: { 'opacity': 1, 'underlay-color': '#f59e0b', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: 'edge.path-on', style: { 'width': 5, 'line-color': '#b45309', 'target-arrow-color': '#b45309' } },
    { selector: '.diff-added', style: { 'underlay-color': '#16a34a', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.diff-changed', style: { 'underlay-color': '#d97706', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.diff-removed', style: { 'opacity': 0.45, 'underlay-color': '#dc2626', 'underlay-opacity': 0.35, 'underlay-padding': 8, 'line-style': 'dotted', 'border-style': 'dotted' } },
    { selector: '.eh-handle', style: { 'background-color': '#2563eb', 'width': 12, 'height': 12, 'shape': 'ellipse', 'overlay-opacity': 0, 'border-width': 10, 'border-opacity': 0 } },
    { selector: '.eh-hover', style: { 'background-color': '#bfdbfe' } },
    { selector: '.eh-source', style: { 'border-width': 3, 'border-color': '#2563eb' } },
    { selector: '.eh-target', style: { 'border-width': 3, 'border-color': '#2563eb' } },
    { selector: '.eh-preview, .eh-ghost-edge', style: { 'background-color': '#2563eb', 'line-color': '#2563eb', 'target-arrow-color': '#2563eb', 'source-arrow-color': '#2563eb' } },
    { selector: '.eh-ghost-edge.eh-preview-active', style: { 'opacity': 0 } }
  ];

  // Large models: the initial viewport comes from the stored positions, so Cytoscape need not measure every
  // label to fit the view before the first frame.
  var initialViewport = function (elements) {
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    elements.forEach(function (e) {
      if (e.group !== 'nodes' || !e.position) return;
      var w = (e.data.w || NODE_W) / 2, h = (e.data.h || NODE_H) / 2;
      x1 = Math.min(x1, e.position.x - w); x2 = Math.max(x2, e.position.x + w);
      y1 = Math.min(y1, e.position.y - h); y2 = Math.max(y2, e.position.y + h);
    });
    if (!isFinite(x1)) return null;
    var pad = 30, cw = container.clientWidth || 800, ch = container.clientHeight || 600;
    var zoom = Math.max(0.02, Math.min(1.5, (cw - 2 * pad) / Math.max(1, x2 - x1), (ch - 2 * pad) / Math.max(1, y2 - y1)));
    return { zoom: zoom, pan: { x: (cw - zoom * (x1 + x2)) / 2, y: (ch - zoom * (y1 + y2)) / 2 } };
  };
  // Overview mode: a lean stylesheet (every style property costs time per element when thousands load).
  var LEAN_STYLE = [
    { selector: 'node', style: { 'label': 'data(label)', 'font-size': 13, 'min-zoomed-font-size': 9, 'text-valign': 'center', 'text-halign': 'center' } },
    { selector: 'node.component', style: { 'shape': 'data(shape)', 'background-color': 'data(fill)', 'border-color': 'data(stroke)', 'border-width': 2,
      'width': NODE_W, 'height': NODE_H, 'text-wrap': 'wrap', 'text-max-width': NODE_W - 14 } },
    { selector: 'node.zone', style: { 'shape': 'rectangle', 'width': 'data(w)', 'height': 'data(h)', 'background-color': 'data(tcolor)', 'background-opacity': 0.05,
      'border-color': 'data(tcolor)', 'border-width': 2, 'border-style': 'dashed', 'text-valign': 'top', 'text-margin-y': 22, 'font-size': 18, 'font-weight': 700 } },
    { selector: 'edge', style: { 'curve-style': 'haystack', 'width': 1, 'line-color': '#94a3b8' } },
    { selector: 'edge.plain', style: { 'line-style': 'dashed' } },
    { selector: 'node.component[sev]', style: { 'border-color': 'data(sevcolor)', 'border-width': 4 } },
    { selector: 'node[badge]', style: { 'background-image': 'data(badge)', 'background-width': 24, 'background-height': 24, 'background-position-x': '100%',
      'background-position-y': '0%', 'background-clip': 'none', 'background-image-containment': 'over', 'bounds-expansion': 14 } },
    { selector: 'edge[sev]', style: { 'line-color': 'data(sevcolor)', 'width': 2 } },
    { selector: 'edge:selected, edge.path-on', style: { 'mid-target-arrow-shape': 'triangle', 'mid-target-arrow-color': '#2563eb', 'width': 3 } },
    { selector: ':selected', style: { 'overlay-color': '#2563eb', 'overlay-opacity': 0.2, 'overlay-padding': 6 } },
    { selector: '.path-dim', style: { 'opacity': 0.15 } },
    { selector: '.path-on', style: { 'opacity': 1, 'underlay-color': '#f59e0b', 'underlay-opacity': 0.45, 'underlay-padding': 8 } },
    { selector: '.eh-handle', style: { 'background-color': '#2563eb', 'width': 12, 'height': 12, 'shape': 'ellipse' } },
    { selector: '.eh-preview, .eh-ghost-edge', style: { 'line-color': '#2563eb', 'curve-style': 'straight' } }
  ];
  var tStart = performance.now();
  var initialElements = cyElements();
  var viewport = big ? initialViewport(initialElements) : null;
  var cy = window.cytoscape({
    container: container,
    elements: initialElements,
    style: ZONES ? LEAN_STYLE : style,
    layout: { name: 'preset', fit: !viewport, padding: 30 },
    zoom: viewport ? viewport.zoom : 1,
    pan: viewport ? viewport.pan : { x: 0, y: 0 },
    wheelSensitivity: 0.4,
    minZoom: 0.02, maxZoom: 3,
    boxSelectionEnabled: true,
    selectionType: 'additive',
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    hideLabelsOnViewport: big,
    pixelRatio: big ? 1 : 'auto',
    autoungrabify: READONLY,
    autounselectify: false
  });
  cy.boxSelectionEnabled(true);

  var readyFired = false;
  cy.one('render', function () {
    if (readyFired) return;
    readyFired = true;
    state.firstRenderMs = performance.now() - tStart;
    document.body.dataset.editorReadyAt = String(performance.now());
    document.body.dataset.editorTimings = JSON.stringify({ script: Math.round(T0), cytoscape: Math.round(tStart), firstFrame: Math.round(performance.now()) });
    requestAnimationFrame(function () {
      document.body.dataset.editorReady = '1';
      window.dispatchEvent(new CustomEvent('trustmap:ready', { detail: { ms: state.firstRenderMs } }));
      setTimeout(afterReady, 0);
    });
  });

  // ---------------------------------------------------------------------------------------------- diff view
  if (CONFIG.diff) {
    cy.batch(function () {
      Object.keys(CONFIG.diff).forEach(function (id) {
        var status = CONFIG.diff[id];
        var ele = cy.$id(id);
        if (ele.nonempty() && status !== 'removed') ele.addClass('diff-' + status);
      });
    });
  }

  // ---------------------------------------------------------------------------------------------- applying changes locally
  var syncCy = function (kind, before, after) {
    if (!VISUAL[kind]) return;
    var ele = cy.$id(after.id);
    if (ele.empty()) return;
    if (kind === 'component') {
      var ks = KIND_STYLE[after.kind] || KIND_STYLE.service;
      ele.data({ label: after.name, ckind: after.kind, shape: ks[0], fill: ks[1], stroke: ks[2] });
      ele.toggleClass('internet', !!after.internet_facing);
      var parent = after.boundary && cy.$id(after.boundary).nonempty() ? after.boundary : null;
      if (!ZONES && (ele.data('parent') || null) !== parent) ele.move({ parent: parent });
      ele = cy.$id(after.id);
      if (after.position && (!before || !before.position || before.position.x !== after.position.x || before.position.y !== after.position.y)) {
        var p = ele.position();
        if (Math.abs(p.x - after.position.x) > 0.5 || Math.abs(p.y - after.position.y) > 0.5) ele.position({ x: after.position.x, y: after.position.y });
      }
    } else if (kind === 'boundary') {
      ele.data({ label: after.name, bkind: after.kind, trust: after.trust_level, tcolor: TRUST_COLOR[after.trust_level] || '#64748b' });
      var bp = after.parent && cy.$id(after.parent).nonempty() ? after.parent : null;
      if (!ZONES && (ele.data('parent') || null) !== bp) ele.move({ parent: bp });
      ele = cy.$id(after.id);
      if (!ZONES && ele.isChildless() && after.position) ele.position({ x: after.position.x, y: after.position.y });
      if (ZONES) ele.data('z', boundaryDepth(after.id));
    } else if (kind === 'flow') {
      ele.data('label', flowLabel(after));
      ele.toggleClass('plain', after.encryption === 'none');
      ele.toggleClass('both', !!after.bidirectional);
      if (ele.data('source') !== after.source || ele.data('target') !== after.target) ele.move({ source: after.source, target: after.target });
    }
  };
  var addCy = function (kind, item) {
    if (!VISUAL[kind]) return;
    if (kind === 'flow') {
      if (cy.$id(item.source).nonempty() && cy.$id(item.target).nonempty()) cy.add(flowElement(item));
    } else if (kind === 'component') {
      cy.add(componentElement(item));
    } else {
      cy.add(boundaryElement(item));
    }
  };
  var applyLocal = function (changes) {
    cy.batch(function () {
      changes.forEach(function (ch) {
        var map = state.elements[ch.kind];
        if (ch.kind === 'model') { state.info = Object.assign({}, state.info, ch.data); return; }
        if (ch.op === 'create') {
          var item = Object.assign(defaults(ch.kind), clone(ch.data), { id: ch.id });
          map.set(ch.id, item);
          addCy(ch.kind, item);
        } else if (ch.op === 'update') {
          var before = map.get(ch.id);
          if (!before) return;
          var after = Object.assign({}, before, clone(ch.data), { id: ch.id });
          delete after._unsaved_position;
          map.set(ch.id, after);
          syncCy(ch.kind, before, after);
        } else if (ch.op === 'delete') {
          map.delete(ch.id);
          if (VISUAL[ch.kind]) {
            var ele = cy.$id(ch.id);
            if (ele.nonempty()) {
              if (ele.isParent && ele.isParent()) ele.children().move({ parent: ele.data('parent') || null });
              cy.$id(ch.id).remove();
            }
          }
        }
      });
    });
    renderTextView();
    refreshBadges();
    renderProperties();
  };
  // The change set that undoes `changes` (computed against the state before they are applied).
  var invert = function (changes) {
    var overlay = new Map();
    var get = function (kind, id) { var key = kind + '\u0000' + id; return overlay.has(key) ? overlay.get(key) : (kind === 'model' ? state.info : state.elements[kind].get(id)); };
    var set = function (kind, id, v) { overlay.set(kind + '\u0000' + id, v); };
    var inverse = [];
    changes.forEach(function (ch) {
      var old = get(ch.kind, ch.id);
      if (ch.op === 'create') { inverse.push({ op: 'delete', kind: ch.kind, id: ch.id }); set(ch.kind, ch.id, Object.assign(defaults(ch.kind), ch.data)); }
      else if (ch.op === 'update') {
        var back = {};
        var dflt = defaults(ch.kind);
        Object.keys(ch.data).forEach(function (k) { back[k] = old && old[k] !== undefined ? clone(old[k]) : (dflt[k] !== undefined ? dflt[k] : null); });
        if (ch.kind !== 'model' && back.position && old && old._unsaved_position) back.position = null;
        inverse.push({ op: 'update', kind: ch.kind, id: ch.id, data: back });
        set(ch.kind, ch.id, Object.assign({}, old, ch.data));
      } else if (ch.op === 'delete') {
        var data = clone(old); if (data) { delete data._unsaved_position; delete data.id; }
        inverse.push({ op: 'create', kind: ch.kind, id: ch.id, data: data || {} });
        set(ch.kind, ch.id, null);
      }
    });
    return inverse.reverse();
  };
  var wireChanges = function (changes) {
    return changes.map(function (ch) {
      var out = { op: ch.op, kind: ch.kind, id: ch.id };
      if (ch.op !== 'delete') {
        out.data = {};
        Object.keys(ch.data || {}).forEach(function (k) { if (k.charAt(0) !== '_') out.data[k] = ch.data[k]; });
        delete out.data.id;
      }
      if (ch.kind === 'model') delete out.id;
      return out;
    });
  };

  // ---------------------------------------------------------------------------------------------- saving
  var saveChain = Promise.resolve();
  var updateRevisionUI = function () {
    document.querySelectorAll('[data-revision]').forEach(function (n) { n.textContent = String(state.revision); });
    var pend = $('#save-state');
    if (pend) pend.textContent = state.pending ? 'Saving…' : (state.conflict ? 'Not saved: conflict' : 'All changes saved');
    updateButtons();
  };
  // Updates that set what is already there are dropped (the server refuses a change set that changes nothing).
  var same = function (a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); };
  var withoutNoOps = function (changes) {
    var touched = {};
    changes.forEach(function (ch) { if (ch.op !== 'update') touched[ch.kind + '\u0000' + ch.id] = true; });
    return changes.map(function (ch) {
      if (ch.op !== 'update' || touched[ch.kind + '\u0000' + ch.id]) return ch;
      var current = ch.kind === 'model' ? state.info : state.elements[ch.kind].get(ch.id);
      if (!current) return ch;
      var data = {};
      Object.keys(ch.data || {}).forEach(function (k) { if (!same(current[k], ch.data[k]) || (k === 'position' && current._unsaved_position)) data[k] = ch.data[k]; });
      return Object.keys(data).length ? { op: 'update', kind: ch.kind, id: ch.id, data: data } : null;
    }).filter(Boolean);
  };
  var unsavedPositionChanges = function (changes) {
    var skip = {};
    changes.forEach(function (ch) { if (ch.op !== 'update' || (ch.data && ch.data.position)) skip[ch.id] = true; });
    var out = [];
    ['component', 'boundary'].forEach(function (kind) {
      state.elements[kind].forEach(function (item) {
        if (!item._unsaved_position || skip[item.id]) return;
        var n = cy.$id(item.id);
        if (n.nonempty()) out.push(positionChange(n));
      });
    });
    return out;
  };
  var commit = function (changes, label, opts) {
    opts = opts || {};
    if (READONLY) { announce('This model is read-only for you.', 'error'); return false; }
    if (state.conflict) { showConflictAgain(); return false; }
    changes = withoutNoOps(changes);
    if (!changes.length) return false;
    if (state.unsavedLayout && opts.layout !== false) {
      // the layout computed on open is saved with the first edit, so the diagram reopens as it is seen now
      changes = changes.concat(unsavedPositionChanges(changes));
      state.unsavedLayout = false;
      updateButtons();
    }
    var inverse = invert(changes);
    applyLocal(changes);
    var entry = { changes: changes, inverse: inverse, label: label };
    if (opts.history !== false) { state.undo.push(entry); if (!opts.keepRedo) state.redo = []; }
    enqueueSave(changes, label, entry, opts);
    return true;
  };
  var enqueueSave = function (changes, label, entry) {
    state.pending++;
    updateRevisionUI();
    saveChain = saveChain.then(function () { return save(changes, label, entry); })
      .catch(function (err) { announce('Saving failed: ' + (err && err.message ? err.message : err), 'error'); })
      .then(function () { state.pending--; updateRevisionUI(); });
  };
  var post = function (changes, label) {
    return fetch(CONFIG.urls.changesets, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify({ base_revision: state.revision, message: label, changes: wireChanges(changes) })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) { return { status: resp.status, body: body }; });
    });
  };
  // A change set that both updates and deletes (e.g. members leave a boundary that is then deleted) is sent as
  // two: the server writes deletes before updates, so the references must be gone first.
  var save = function (changes, label, entry) {
    if (state.conflict) return Promise.resolve();
    var t0 = performance.now();
    announce('Saving: ' + label + '…');
    var deletes = changes.filter(function (c) { return c.op === 'delete'; });
    var rest = changes.filter(function (c) { return c.op !== 'delete'; });
    var phases = deletes.length && rest.length ? [rest, deletes] : [changes];
    var step = function (i) {
      return post(phases[i], label).then(function (res) {
        var body = res.body;
        if (res.status === 201 || res.status === 200) {
          state.revision = body.revision;
          state.saves++;
          updateRevisionUI();
          if (i + 1 < phases.length) return step(i + 1);
          announce('Saved: ' + label + ' (revision ' + state.revision + ').', 'ok');
          return refreshAssessment(t0);
        }
        if (res.status === 409) {
          state.conflict = true;
          showConflict(body);
          return null;
        }
        // refused: put the diagram back as it was (the part not saved) and say why
        if (i === 0) applyLocal(entry.inverse);
        else {
          var ids = {}; phases[i].forEach(function (c) { ids[c.kind + '\u0000' + c.id] = true; });
          applyLocal(entry.inverse.filter(function (c) { return ids[c.kind + '\u0000' + c.id]; }));
        }
        var at = state.undo.indexOf(entry); if (at >= 0) state.undo.splice(at, 1);
        var errors = (body.errors || []).map(function (e) { return (e.path ? e.path + ': ' : '') + e.message; });
        announce('Not saved (' + res.status + '): ' + (body.detail || 'refused') + (errors.length ? ' — ' + errors.join('; ') : ''), 'error');
        return i > 0 ? refreshAssessment(null) : null;
      });
    };
    return step(0);
  };

  // ---------------------------------------------------------------------------------------------- conflicts
  var conflictDialog = $('#conflict-dialog');
  var lastConflict = null;
  var showConflict = function (body) {
    lastConflict = body;
    announce('Conflict: somebody else changed this model (now revision ' + (body.current_revision || '?') + '). Your edit was not saved.', 'error');
    if (!conflictDialog) return;
    $('#conflict-detail').textContent = body.detail || 'The model changed since you opened it.';
    $('#conflict-revision').textContent = String(body.current_revision || '?');
    var list = $('#conflict-diff'); clear(list);
    var elements = (body.diff && body.diff.elements) || [];
    if (!elements.length) list.appendChild(el('li', null, 'The server did not list the changes.'));
    elements.forEach(function (e) {
      var li = el('li', { class: 'diff-' + e.status });
      li.appendChild(el('strong', null, e.status + ' '));
      li.appendChild(el('span', null, e.kind + ' '));
      li.appendChild(el('code', null, e.id));
      if (e.name && e.name !== e.id) li.appendChild(el('span', null, ' ' + e.name));
      if (e.fields && e.fields.length) {
        li.appendChild(el('span', { class: 'muted' }, ' — ' + e.fields.map(function (f) { return typeof f === 'string' ? f : f.field; }).join(', ')));
      }
      list.appendChild(li);
    });
    if (typeof conflictDialog.showModal === 'function') { if (!conflictDialog.open) conflictDialog.showModal(); } else conflictDialog.setAttribute('open', '');
    document.body.dataset.conflict = '1';
    updateRevisionUI();
  };
  var showConflictAgain = function () { if (lastConflict) showConflict(lastConflict); };
  var reloadLatest = function () {
    announce('Loading the latest revision…');
    return fetch(CONFIG.urls.document, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (resp) { if (!resp.ok) throw new Error('HTTP ' + resp.status); return resp.json(); })
      .then(function (body) {
        loadDocument(body.document, body.revision);
        cy.batch(function () { cy.elements().remove(); cy.add(cyElements()); });
        state.undo = []; state.redo = []; state.conflict = false; lastConflict = null;
        delete document.body.dataset.conflict;
        if (conflictDialog && conflictDialog.open) conflictDialog.close();
        renderTextView(); renderProperties(); updateRevisionUI();
        announce('Reloaded revision ' + state.revision + '.', 'ok');
        return refreshAssessment(null);
      })
      .catch(function () { window.location.reload(); });
  };
  if (conflictDialog) {
    $('#conflict-reload').addEventListener('click', function () { reloadLatest(); });
    $('#conflict-close').addEventListener('click', function () { conflictDialog.close(); });
  }

  // ---------------------------------------------------------------------------------------------- live assessment
  var refreshAssessment = function (t0) {
    if (!CONFIG.urls.live_assessment) return Promise.resolve();
    return fetch(CONFIG.urls.live_assessment, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (resp) {
        if (!resp.ok) { $('#score-overall') && ($('#score-overall').textContent = '—'); announceAssessment('The live assessment is unavailable (HTTP ' + resp.status + ').'); return null; }
        return resp.json().then(function (result) {
          applyAssessment(result);
          if (t0 !== null && t0 !== undefined) {
            state.lastRoundTrip = performance.now() - t0;
            state.roundTrips.push(state.lastRoundTrip);
            var rt = $('#roundtrip'); if (rt) rt.textContent = Math.round(state.lastRoundTrip) + ' ms';
          }
        });
      }).catch(function () { announceAssessment('The live assessment is unavailable.'); });
  };
  var announceAssessment = function (msg) { var n = $('#assessment-status'); if (n) n.textContent = msg; };
  var isOpen = function (f) { return !f.mitigated && (!f.status || f.status === 'open'); };
  var flagged = [];
  var applyAssessment = function (result) {
    state.assessed = true;
    state.findings = (result.findings || []).slice().sort(function (a, b) { return (SEV_RANK[a.severity] - SEV_RANK[b.severity]) || (a.id < b.id ? -1 : 1); });
    state.paths = result.attack_paths || [];
    state.scores = result.scores || null;
    var before = document.body.dataset.score;
    state.findingsByElement = {};
    state.findings.forEach(function (f) {
      if (!isOpen(f)) return;
      (f.elements || []).forEach(function (id) { (state.findingsByElement[id] = state.findingsByElement[id] || []).push(f); });
    });
    refreshBadges();
    renderScore();
    renderFindings();
    renderPaths();
    renderTextView();
    renderProperties();
    var open = state.findings.filter(isOpen).length;
    announceAssessment(open + ' open finding' + (open === 1 ? '' : 's') + (state.scores ? ', score ' + fmtScore(state.scores.overall) : '') +
      (before && state.scores && before !== String(state.scores.overall) ? ' (was ' + fmtScore(parseFloat(before)) + ')' : '') + '.');
    if (state.scores) document.body.dataset.score = String(state.scores.overall);
    document.body.dataset.openFindings = String(open);
    document.body.dataset.assessedRevision = String(result.revision !== undefined ? result.revision : state.revision);
  };
  var worst = function (list) {
    var w = null; (list || []).forEach(function (f) { if (w === null || SEV_RANK[f.severity] < SEV_RANK[w]) w = f.severity; }); return w;
  };
  var refreshBadges = function () {
    cy.batch(function () {
      flagged.forEach(function (id) { var e = cy.$id(id); if (e.nonempty()) e.removeData('sev sevcolor badge'); });
      flagged = [];
      Object.keys(state.findingsByElement).forEach(function (id) {
        var e = cy.$id(id);
        if (e.empty()) return;
        var list = state.findingsByElement[id];
        var sev = worst(list);
        var data = { sev: sev, sevcolor: SEV_COLOR[sev] };
        if (e.isNode() && e.hasClass('component')) data.badge = badgeUri(sev, list.length);
        if (e.isEdge()) data.label = flowLabel(state.elements.flow.get(id) || { protocol: '' }) + '  ⚠' + list.length;
        e.data(data);
        flagged.push(id);
      });
    });
    cy.edges().forEach(function (e) { if (!e.data('sev')) { var f = state.elements.flow.get(e.id()); if (f) e.data('label', flowLabel(f)); } });
  };
  var fmtScore = function (v) { return (v === null || v === undefined || isNaN(v)) ? '—' : (Math.round(v * 10) / 10).toFixed(1); };
  var renderScore = function () {
    var s = state.scores;
    var overall = $('#score-overall');
    if (!overall) return;
    overall.textContent = s ? fmtScore(s.overall) : '—';
    var stage = $('#score-stage'); if (stage) stage.textContent = s && s.stage ? s.stage : '';
    var list = $('#score-breakdown'); clear(list);
    if (!s) return;
    var entries = function (v) { return Array.isArray(v) ? v : Object.keys(v || {}).map(function (k) { var x = v[k]; return typeof x === 'object' ? Object.assign({ key: k, name: k }, x) : { key: k, name: k, score: x }; }); };
    [['Principles', entries(s.principles)], ['ZTMM pillars', entries(s.pillars)]].forEach(function (group) {
      if (!group[1].length) return;
      list.appendChild(el('li', { class: 'score-group' }, group[0]));
      group[1].forEach(function (e) {
        var li = el('li', { class: 'score-row' });
        li.appendChild(el('span', { class: 'score-name' }, e.name || e.key));
        var bar = el('span', { class: 'score-bar', role: 'img', 'aria-label': (e.name || e.key) + ' ' + fmtScore(e.score) + ' of 100' });
        var fill = el('span', { class: 'score-fill' }); fill.style.width = Math.max(0, Math.min(100, e.score || 0)) + '%';
        fill.dataset.level = e.score >= 80 ? 'good' : e.score >= 50 ? 'fair' : 'poor';
        bar.appendChild(fill); li.appendChild(bar);
        li.appendChild(el('span', { class: 'score-num' }, fmtScore(e.score) + (e.stage ? ' · ' + e.stage : '')));
        list.appendChild(li);
      });
    });
  };
  var selectIds = function (ids, opts) {
    cy.elements(':selected').unselect();
    var coll = cy.collection();
    ids.forEach(function (id) { var e = cy.$id(id); if (e.nonempty()) coll = coll.union(e); });
    coll.select();
    if (coll.nonempty() && !(opts && opts.noCenter)) cy.animate({ fit: { eles: coll, padding: 120 }, duration: 250 });
    if (!coll.nonempty() && ids.length === 1 && getEl(ids[0])) { selection.ids = ids.slice(); renderProperties(); renderTextView(); }
  };
  var renderFindings = function () {
    var list = $('#findings-list'); if (!list) return;
    clear(list);
    var open = state.findings.filter(isOpen);
    var counts = {}; SEVERITIES.forEach(function (s) { counts[s] = 0; });
    open.forEach(function (f) { counts[f.severity] = (counts[f.severity] || 0) + 1; });
    var summary = $('#findings-summary');
    if (summary) {
      clear(summary);
      SEVERITIES.forEach(function (s) { if (counts[s]) summary.appendChild(el('span', { class: 'sev sev-' + s }, counts[s] + ' ' + s)); });
      if (!open.length) summary.appendChild(el('span', { class: 'muted' }, state.assessed ? 'No open findings.' : 'Not assessed yet.'));
    }
    open.slice(0, 300).forEach(function (f) {
      var li = el('li');
      var b = el('button', { type: 'button', class: 'finding', 'data-finding': f.id, 'data-rule': f.rule });
      b.appendChild(el('span', { class: 'sev sev-' + f.severity }, f.severity));
      b.appendChild(el('span', { class: 'finding-title' }, f.title));
      b.appendChild(el('span', { class: 'muted finding-els' }, (f.elements || []).map(function (id) { var x = getEl(id); return x ? displayName(x, kindOfId(id)) : id; }).join(', ')));
      b.addEventListener('click', function () { selectIds(f.elements || []); announce('Selected the elements of: ' + f.title); });
      li.appendChild(b);
      if (f.remediation) { var d = el('details'); d.appendChild(el('summary', null, 'How to fix')); d.appendChild(el('p', null, f.remediation)); li.appendChild(d); }
      list.appendChild(li);
    });
    if (open.length > 300) list.appendChild(el('li', { class: 'muted' }, (open.length - 300) + ' more on the findings page.'));
  };
  var clearPath = function () {
    cy.elements().removeClass('path-dim path-on');
    state.highlightedPath = null;
    document.querySelectorAll('[data-path].active').forEach(function (n) { n.classList.remove('active'); n.setAttribute('aria-pressed', 'false'); });
  };
  var highlightPath = function (p) {
    clearPath();
    var on = cy.collection();
    (p.hops || []).concat(p.flows || []).forEach(function (id) { var e = cy.$id(id); if (e.nonempty()) on = on.union(e); });
    cy.batch(function () { cy.elements().not(on).not(on.ancestors()).addClass('path-dim'); on.addClass('path-on'); });
    state.highlightedPath = p.id;
    var names = (p.hops || []).map(function (id) { var c = state.elements.component.get(id); return c ? c.name : id; });
    announce('Attack path highlighted: ' + names.join(' → '));
    if (on.nonempty()) cy.animate({ fit: { eles: on, padding: 80 }, duration: 250 });
  };
  var renderPaths = function () {
    var list = $('#paths-list'); if (!list) return;
    clear(list);
    if (!state.paths.length) { list.appendChild(el('li', { class: 'muted' }, state.assessed ? 'No attack paths found.' : 'Not assessed yet.')); return; }
    state.paths.slice(0, 50).forEach(function (p) {
      var li = el('li');
      var names = (p.hops || []).map(function (id) { var c = state.elements.component.get(id); return c ? c.name : id; });
      var b = el('button', { type: 'button', class: 'path', 'data-path': p.id, 'aria-pressed': 'false' });
      b.appendChild(el('span', { class: 'path-hops' }, names.join(' → ')));
      b.appendChild(el('span', { class: 'muted' }, ' cost ' + p.cost + (p.data_at_risk && p.data_at_risk.length ? ' · data at risk: ' + p.data_at_risk.join(', ') : '')));
      b.addEventListener('click', function () {
        if (state.highlightedPath === p.id) { clearPath(); announce('Attack path cleared.'); return; }
        highlightPath(p); b.classList.add('active'); b.setAttribute('aria-pressed', 'true');
      });
      li.appendChild(b); list.appendChild(li);
    });
  };

  // ---------------------------------------------------------------------------------------------- selection + text view
  var selection = { ids: [] };
  var selectionTimer = null;
  cy.on('select unselect', function () {
    if (selectionTimer) return;
    selectionTimer = setTimeout(function () {
      selectionTimer = null;
      selection.ids = cy.$(':selected').map(function (e) { return e.id(); });
      renderProperties();
      markTextSelection();
    }, 0);
  });
  var TEXT_LIMIT = 400;
  var textFilter = '';
  var renderTextView = function () {
    var lists = [['component', '#text-components'], ['flow', '#text-flows'], ['boundary', '#text-boundaries'], ['data_asset', '#text-data'], ['identity', '#text-identities']];
    lists.forEach(function (pair) {
      var list = $(pair[1]); if (!list) return;
      clear(list);
      var items = Array.from(state.elements[pair[0]].values());
      var q = textFilter.toLowerCase();
      if (q) items = items.filter(function (x) { return (x.id + ' ' + displayName(x, pair[0])).toLowerCase().indexOf(q) >= 0; });
      var count = $(pair[1] + '-count'); if (count) count.textContent = String(items.length);
      items.slice(0, TEXT_LIMIT).forEach(function (x) {
        var li = el('li', { role: 'option', id: 'tv-' + pair[0] + '-' + x.id, 'aria-selected': selection.ids.indexOf(x.id) >= 0 ? 'true' : 'false', 'data-id': x.id, tabindex: '-1' });
        li.appendChild(el('span', { class: 'tv-name' }, displayName(x, pair[0])));
        var meta = pair[0] === 'component' ? x.kind : pair[0] === 'flow' ? x.protocol + ', ' + x.encryption : pair[0] === 'boundary' ? x.kind + ', ' + x.trust_level : pair[0] === 'data_asset' ? x.classification : x.kind;
        li.appendChild(el('span', { class: 'muted tv-meta' }, ' ' + meta));
        var fs = state.findingsByElement[x.id];
        if (fs && fs.length) { var w = worst(fs); li.appendChild(el('span', { class: 'sev sev-' + w, title: fs.length + ' open finding' + (fs.length === 1 ? '' : 's') + ', the worst ' + w }, fs.length + ' finding' + (fs.length === 1 ? '' : 's') + ' · ' + w)); }
        list.appendChild(li);
      });
      if (items.length > TEXT_LIMIT) list.appendChild(el('li', { class: 'muted', role: 'presentation' }, (items.length - TEXT_LIMIT) + ' more — type in the filter to narrow the list.'));
    });
  };
  var markTextSelection = function () {
    document.querySelectorAll('.textview [aria-selected="true"]').forEach(function (n) { n.setAttribute('aria-selected', 'false'); });
    selection.ids.forEach(function (id) {
      document.querySelectorAll('.textview li[data-id="' + CSS.escape(id) + '"]').forEach(function (n) { n.setAttribute('aria-selected', 'true'); });
    });
    if (selection.ids.length === 1) {
      var n = document.querySelector('.textview li[data-id="' + CSS.escape(selection.ids[0]) + '"]');
      if (n && n.scrollIntoView && !n.closest('.textview').contains(document.activeElement)) n.scrollIntoView({ block: 'nearest' });
    }
  };
  document.querySelectorAll('.textview ul[role=listbox]').forEach(function (list) {
    list.addEventListener('click', function (ev) {
      var li = ev.target.closest('li[data-id]'); if (!li) return;
      var id = li.dataset.id;
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) {
        var e = cy.$id(id); if (e.nonempty()) { e.selected() ? e.unselect() : e.select(); return; }
      }
      if (cy.$id(id).nonempty()) selectIds([id], { noCenter: false });
      else { cy.elements(':selected').unselect(); selection.ids = [id]; renderProperties(); markTextSelection(); }
      li.focus();
    });
    list.addEventListener('keydown', function (ev) {
      var items = Array.from(list.querySelectorAll('li[data-id]'));
      var i = items.indexOf(document.activeElement);
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault(); ev.stopPropagation();
        var next = items[Math.max(0, Math.min(items.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)))] || items[0];
        if (next) { next.focus(); next.click(); }
      } else if (ev.key === 'Enter' && i >= 0) { ev.preventDefault(); var first = $('#properties input:not([readonly]), #properties select, #properties textarea'); if (first) first.focus(); }
    });
    list.addEventListener('focus', function () { if (!list.querySelector('li[data-id]:focus')) { var f = list.querySelector('li[aria-selected="true"]') || list.querySelector('li[data-id]'); if (f) f.focus(); } });
  });
  var filterInput = $('#text-filter');
  if (filterInput) filterInput.addEventListener('input', function () { textFilter = filterInput.value; renderTextView(); markTextSelection(); });

  // ---------------------------------------------------------------------------------------------- properties panel
  var propsEl = $('#properties');
  var optionsFor = function (ref, selfId) {
    var out = [];
    var kinds = ref === '*any' ? ['component', 'flow', 'boundary', 'data_asset', 'identity'] : ref.split('|').filter(function (k) { return k !== '*'; });
    kinds.forEach(function (k) {
      state.elements[k].forEach(function (x) { if (x.id !== selfId) out.push([x.id, displayName(x, k) + ' (' + x.id + ')']); });
    });
    out.sort(function (a, b) { return a[1].localeCompare(b[1]); });
    if (ref.split('|').indexOf('*') >= 0) out.unshift(['*', '* (everything)']);
    return out;
  };
  var renderField = function (kind, item, f) {
    var id = 'prop-' + f.name;
    var wrap = el('div', { class: 'field field-' + f.type, 'data-field': f.name });
    var value = item[f.name];
    var input;
    if (f.type === 'bool') {
      input = el('input', { type: 'checkbox', id: id, name: f.name });
      input.checked = !!value;
      var lab = el('label', { for: id });
      lab.appendChild(input); lab.appendChild(document.createTextNode(' ' + f.label));
      wrap.appendChild(lab);
      return [wrap, input];
    }
    wrap.appendChild(el('label', { for: id }, f.label));
    if (f.type === 'enum') {
      input = el('select', { id: id, name: f.name });
      f.values.forEach(function (v) { var o = el('option', { value: v }, f.labels && f.labels[v] ? f.labels[v] + ' (' + v + ')' : v); if (v === value) o.selected = true; input.appendChild(o); });
    } else if (f.type === 'ref') {
      input = el('select', { id: id, name: f.name });
      if (f.nullable) input.appendChild(el('option', { value: '' }, '— none —'));
      optionsFor(f.ref, kind === 'boundary' ? item.id : null).forEach(function (o) {
        var opt = el('option', { value: o[0] }, o[1]); if (o[0] === value) opt.selected = true; input.appendChild(opt);
      });
      if (value && !getEl(value) && value !== '*') { var missing = el('option', { value: value }, value + ' (missing)'); missing.selected = true; input.appendChild(missing); }
    } else if (f.type === 'refs' || f.type === 'multi') {
      input = el('select', { id: id, name: f.name, multiple: true, size: '4' });
      var opts = f.type === 'multi' ? f.values.map(function (v) { return [v, v]; }) : optionsFor(f.ref, null);
      opts.forEach(function (o) { var opt = el('option', { value: o[0] }, o[1]); if ((value || []).indexOf(o[0]) >= 0) opt.selected = true; input.appendChild(opt); });
    } else if (f.type === 'text') {
      input = el('textarea', { id: id, name: f.name, rows: '3', maxlength: f.maxLength || null });
      input.value = value || '';
    } else if (f.type === 'int') {
      input = el('input', { id: id, name: f.name, type: 'number', min: f.minimum, max: f.maximum, inputmode: 'numeric' });
      input.value = value === null || value === undefined ? '' : String(value);
    } else if (f.type === 'tags') {
      input = el('input', { id: id, name: f.name, type: 'text', placeholder: 'comma, separated' });
      input.value = (value || []).join(', ');
    } else if (f.type === 'json') {
      input = el('textarea', { id: id, name: f.name, rows: '2', spellcheck: 'false', class: 'mono' });
      input.value = value && Object.keys(value).length ? JSON.stringify(value) : '';
    } else {
      input = el('input', { id: id, name: f.name, type: 'text', maxlength: f.maxLength || null, required: f.required || null });
      input.value = value === null || value === undefined ? '' : String(value);
      if (f.readonly) { input.readOnly = true; input.classList.add('mono'); }
    }
    wrap.appendChild(input);
    return [wrap, input];
  };
  var readField = function (f, input) {
    if (f.type === 'bool') return input.checked;
    if (f.type === 'refs' || f.type === 'multi') return Array.from(input.selectedOptions).map(function (o) { return o.value; });
    if (f.type === 'ref') return input.value === '' ? null : input.value;
    if (f.type === 'int') { if (input.value.trim() === '') return null; var n = parseInt(input.value, 10); if (isNaN(n)) throw new Error('a whole number'); return n; }
    if (f.type === 'tags') return input.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean).filter(function (t, i, a) { return a.indexOf(t) === i; });
    if (f.type === 'json') { if (!input.value.trim()) return {}; var v = JSON.parse(input.value); if (typeof v !== 'object' || Array.isArray(v) || v === null) throw new Error('a JSON object'); return v; }
    return input.value;
  };
  var renderingProps = false, propsAgain = false;
  var renderProperties = function () {
    if (!propsEl) return;
    if (renderingProps) { propsAgain = true; return; }  // a blur inside the panel committed an edit meanwhile
    renderingProps = true;
    try { renderPropertiesNow(); } finally { renderingProps = false; }
    if (propsAgain) { propsAgain = false; renderProperties(); }
  };
  var renderPropertiesNow = function () {
    var active = document.activeElement && propsEl.contains(document.activeElement) ? document.activeElement.id : null;
    clear(propsEl);
    var ids = selection.ids.filter(function (id) { return getEl(id); });
    if (!ids.length) {
      propsEl.appendChild(el('p', { class: 'muted' }, READONLY ? 'Select an element to see its properties.' : 'Select an element to edit it, or add one from the palette.'));
      return;
    }
    if (ids.length > 1) {
      propsEl.appendChild(el('p', null, ids.length + ' elements selected.'));
      if (!READONLY) {
        var del = el('button', { type: 'button', class: 'danger' }, 'Delete ' + ids.length + ' elements');
        del.addEventListener('click', deleteSelection); propsEl.appendChild(del);
      }
      return;
    }
    var id = ids[0], kind = kindOfId(id), item = state.elements[kind].get(id);
    var head = el('div', { class: 'props-head' });
    head.appendChild(el('h3', null, displayName(item, kind)));
    head.appendChild(el('span', { class: 'muted' }, kind.replace('_', ' ')));
    propsEl.appendChild(head);
    var fs = state.findingsByElement[id] || [];
    if (fs.length) {
      var fl = el('ul', { class: 'props-findings' });
      fs.forEach(function (f) { var li = el('li'); li.appendChild(el('span', { class: 'sev sev-' + f.severity }, f.severity)); li.appendChild(el('span', null, ' ' + f.title)); fl.appendChild(li); });
      propsEl.appendChild(fl);
    }
    var form = el('form', { class: 'props-form', 'data-kind': kind, 'data-id': id, novalidate: true });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); });
    KINDS[kind].fields.forEach(function (f) {
      if (f.type === 'position') return;
      var pair = renderField(kind, item, f);
      var input = pair[1];
      if (READONLY || f.readonly) { input.disabled = !f.readonly; }
      var onChange = function () {
        var v;
        try { v = readField(f, input); } catch (err) { announce(f.label + ' must be ' + err.message + '.', 'error'); input.setAttribute('aria-invalid', 'true'); return; }
        input.removeAttribute('aria-invalid');
        var now = state.elements[kind].get(id);
        if (!now || same(v, now[f.name])) return;
        if (f.required && (v === '' || v === null)) { announce(f.label + ' is required.', 'error'); input.setAttribute('aria-invalid', 'true'); return; }
        var data = {}; data[f.name] = v;
        commit([{ op: 'update', kind: kind, id: id, data: data }], 'Set ' + f.name + ' of ' + id);
      };
      input.addEventListener('change', onChange);
      if (input.tagName === 'INPUT' && input.type === 'text') input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); onChange(); } });
      form.appendChild(pair[0]);
    });
    propsEl.appendChild(form);
    if (kind === 'component' && !READONLY) {
      var connect = el('div', { class: 'field' });
      connect.appendChild(el('label', { for: 'prop-new-flow' }, 'Add a flow to'));
      var sel = el('select', { id: 'prop-new-flow' });
      sel.appendChild(el('option', { value: '' }, '— choose a component —'));
      optionsFor('component', id).forEach(function (o) { sel.appendChild(el('option', { value: o[0] }, o[1])); });
      var add = el('button', { type: 'button' }, 'Add flow');
      add.addEventListener('click', function () { if (sel.value) createFlow(id, sel.value); });
      connect.appendChild(sel); connect.appendChild(add);
      propsEl.appendChild(connect);
    }
    if (!READONLY) {
      var actions = el('div', { class: 'props-actions' });
      var delBtn = el('button', { type: 'button', class: 'danger', 'data-testid': 'props-delete' }, 'Delete ' + kind.replace('_', ' '));
      delBtn.addEventListener('click', deleteSelection);
      actions.appendChild(delBtn);
      propsEl.appendChild(actions);
    }
    if (active) { var again = document.getElementById(active); if (again) again.focus(); }
  };

  // ---------------------------------------------------------------------------------------------- editing operations
  var deepestBoundaryAt = function (pos, exclude) {
    var best = null, bestDepth = -1;
    cy.nodes('.boundary').forEach(function (b) {
      if (exclude && exclude.has(b.id())) return;
      // leaves only: a nested compound's box still stretches to the node being dragged out of it
      var inner = ZONES ? cy.collection() : b.descendants().filter(function (d) { return d.isChildless() && (!exclude || !exclude.has(d.id())); });
      var bb;
      if (ZONES) {
        bb = b.boundingBox({ includeLabels: false, includeOverlays: false });
      } else if (inner.nonempty()) {
        bb = inner.boundingBox({ includeLabels: false, includeOverlays: false });
        var pad = 28; bb = { x1: bb.x1 - pad, x2: bb.x2 + pad, y1: bb.y1 - pad - 24, y2: bb.y2 + pad };
      } else {
        var p = b.position(); bb = { x1: p.x - 90, x2: p.x + 90, y1: p.y - 45, y2: p.y + 45 };
      }
      if (pos.x >= bb.x1 && pos.x <= bb.x2 && pos.y >= bb.y1 && pos.y <= bb.y2) {
        var depth = boundaryDepth(b.id());
        if (depth > bestDepth) { best = b.id(); bestDepth = depth; }
      }
    });
    return best;
  };
  var placeFree = function (pos) {
    var p = { x: Math.round(pos.x), y: Math.round(pos.y) };
    for (var i = 0; i < 40; i++) {
      var clash = cy.nodes('.component').some(function (n) { var q = n.position(); return Math.abs(q.x - p.x) < NODE_W + 10 && Math.abs(q.y - p.y) < NODE_H + 10; });
      if (!clash) return p;
      p = { x: p.x + 30, y: p.y + 70 };
    }
    return p;
  };
  var viewportCenter = function () {
    var ext = cy.extent(); return { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 };
  };
  var addComponent = function (ckind, pos) {
    pos = placeFree(pos || viewportCenter());
    var id = newId(ckind);
    var boundary = deepestBoundaryAt(pos, null);
    var name = 'New ' + ckind.replace(/-/g, ' ');
    var data = Object.assign(defaults('component'), { name: name, kind: ckind, boundary: boundary, position: pos });
    if (commit([{ op: 'create', kind: 'component', id: id, data: data }], 'Add ' + ckind + ' ' + id)) {
      selectIds([id], { noCenter: true });
      announce('Added ' + name + (boundary ? ' in ' + displayName(state.elements.boundary.get(boundary), 'boundary') : '') + '. Edit it in the properties panel.', 'ok');
    }
    return id;
  };
  var addBoundary = function (pos) {
    pos = pos || viewportCenter();
    var id = newId('zone');
    var parent = deepestBoundaryAt(pos, null);
    var data = Object.assign(defaults('boundary'), { name: 'New trust boundary', parent: parent, position: { x: Math.round(pos.x), y: Math.round(pos.y) } });
    if (commit([{ op: 'create', kind: 'boundary', id: id, data: data }], 'Add boundary ' + id)) {
      selectIds([id], { noCenter: true });
      announce('Added a trust boundary. Drag components into it to make them members.', 'ok');
    }
    return id;
  };
  var createFlow = function (source, target) {
    if (source === target) return null;
    var id = newId('flow-' + source + '-' + target);
    var data = Object.assign(defaults('flow'), { source: source, target: target });
    delete data.name;
    if (commit([{ op: 'create', kind: 'flow', id: id, data: data }], 'Add flow ' + source + ' → ' + target)) {
      selectIds([id], { noCenter: true });
      announce('Added a flow from ' + displayName(state.elements.component.get(source), 'component') + ' to ' + displayName(state.elements.component.get(target), 'component') + '.', 'ok');
    }
    return id;
  };
  // Deleting removes what references the element in the same change set (the server refuses dangling references).
  var deletionChanges = function (ids) {
    var doomed = new Set(ids);
    var changes = [], updates = [];
    var refs = function (item, id) {
      return item.source === id || item.target === id || item.identity === id;
    };
    // boundaries: members move to the parent boundary
    ids.forEach(function (id) {
      var b = state.elements.boundary.get(id); if (!b) return;
      var up = b.parent; while (up && doomed.has(up)) up = (state.elements.boundary.get(up) || {}).parent;
      state.elements.component.forEach(function (c) { if (c.boundary === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'component', id: c.id, data: { boundary: up || null } }); });
      state.elements.boundary.forEach(function (c) { if (c.parent === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'boundary', id: c.id, data: { parent: up || null } }); });
    });
    ['flow', 'grant', 'control'].forEach(function (k) {
      state.elements[k].forEach(function (item) {
        if (doomed.has(item.id)) return;
        for (var id of ids) { if (refs(item, id)) { doomed.add(item.id); changes.push({ op: 'delete', kind: k, id: item.id }); return; } }
      });
    });
    // controls on flows/grants being removed
    state.elements.control.forEach(function (item) { if (!doomed.has(item.id) && doomed.has(item.target)) { doomed.add(item.id); changes.push({ op: 'delete', kind: 'control', id: item.id }); } });
    // references held by components / flows (identity, data assets)
    ids.forEach(function (id) {
      var k = kindOfId(id);
      if (k === 'identity') state.elements.component.forEach(function (c) { if (c.identity === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'component', id: c.id, data: { identity: null } }); });
      if (k === 'data_asset') {
        state.elements.component.forEach(function (c) {
          if (doomed.has(c.id)) return;
          var d = {};
          if ((c.data_stored || []).indexOf(id) >= 0) d.data_stored = c.data_stored.filter(function (x) { return x !== id; });
          if ((c.data_processed || []).indexOf(id) >= 0) d.data_processed = c.data_processed.filter(function (x) { return x !== id; });
          if (Object.keys(d).length) updates.push({ op: 'update', kind: 'component', id: c.id, data: d });
        });
        state.elements.flow.forEach(function (f) { if (!doomed.has(f.id) && (f.data_assets || []).indexOf(id) >= 0) updates.push({ op: 'update', kind: 'flow', id: f.id, data: { data_assets: f.data_assets.filter(function (x) { return x !== id; }) } }); });
      }
    });
    var order = { flow: 0, grant: 0, control: 0, component: 1, identity: 2, data_asset: 2, boundary: 3 };
    var own = ids.map(function (id) { return { op: 'delete', kind: kindOfId(id), id: id }; }).filter(function (c) { return c.kind; });
    // child boundaries before parents
    own.sort(function (a, b) {
      var d = order[a.kind] - order[b.kind];
      if (d) return d;
      if (a.kind === 'boundary') return boundaryDepth(b.id) - boundaryDepth(a.id);
      return 0;
    });
    return updates.concat(changes, own);
  };
  var deleteSelection = function () {
    var ids = selection.ids.filter(function (id) { return getEl(id); });
    if (!ids.length) { announce('Nothing selected to delete.'); return; }
    var changes = deletionChanges(ids);
    if (commit(changes, 'Delete ' + ids.join(', '))) {
      selection.ids = []; cy.elements(':selected').unselect(); renderProperties();
      announce('Deleted ' + ids.length + ' element' + (ids.length === 1 ? '' : 's') + ' (' + changes.length + ' changes). Ctrl+Z undoes.', 'ok');
    }
  };
  var undo = function () {
    if (READONLY || state.conflict) return;
    var entry = state.undo.pop(); if (!entry) { announce('Nothing to undo.'); return; }
    var back = entry.inverse;
    if (commit(back, 'Undo: ' + entry.label, { history: false })) {
      state.redo.push({ changes: entry.changes, inverse: back, label: entry.label });
      announce('Undone: ' + entry.label, 'ok');
    }
    updateButtons();
  };
  var redo = function () {
    if (READONLY || state.conflict) return;
    var entry = state.redo.pop(); if (!entry) { announce('Nothing to redo.'); return; }
    if (commit(entry.changes, 'Redo: ' + entry.label, { keepRedo: true })) announce('Redone: ' + entry.label, 'ok');
    updateButtons();
  };
  var copySelection = function () {
    var ids = selection.ids.filter(function (id) { var k = kindOfId(id); return k === 'component' || k === 'boundary'; });
    if (!ids.length) { announce('Select components to copy.'); return; }
    var set = new Set(ids);
    cy.$(':selected').descendants().forEach(function (d) { set.add(d.id()); });
    var items = [];
    set.forEach(function (id) { var k = kindOfId(id); items.push({ kind: k, data: clone(getEl(id)) }); });
    state.elements.flow.forEach(function (f) { if (set.has(f.source) && set.has(f.target)) items.push({ kind: 'flow', data: clone(f) }); });
    state.clipboard = items;
    try { localStorage.setItem('trustmap-clipboard', JSON.stringify(items)); } catch (e) { /* private mode */ }
    announce('Copied ' + items.length + ' element' + (items.length === 1 ? '' : 's') + '.', 'ok');
  };
  var paste = function () {
    var items = state.clipboard;
    if (!items) { try { items = JSON.parse(localStorage.getItem('trustmap-clipboard') || 'null'); } catch (e) { items = null; } }
    if (!items || !items.length) { announce('The clipboard is empty.'); return; }
    var map = {}, changes = [];
    var order = { boundary: 0, component: 1, flow: 2 };
    items = items.slice().sort(function (a, b) { return order[a.kind] - order[b.kind]; });
    // boundaries parents first
    items.forEach(function (it) { map[it.data.id] = null; });
    var reserve = new Set();
    var fresh = function (base) { var id; var n = 1; do { id = String(base).replace(/-copy(-\d+)?$/, '') + '-copy' + (n > 1 ? '-' + n : ''); n++; } while (kindOfId(id) || reserve.has(id) || !idPattern.test(id)); reserve.add(id); return id; };
    items.forEach(function (it) { map[it.data.id] = fresh(it.data.id); });
    var bdepth = function (it) { var d = 0, p = it.data.parent; while (p && map[p] !== undefined && d < 50) { d++; var parent = items.find(function (x) { return x.data.id === p; }); p = parent ? parent.data.parent : null; } return d; };
    items.sort(function (a, b) { return (order[a.kind] - order[b.kind]) || (a.kind === 'boundary' ? bdepth(a) - bdepth(b) : 0); });
    items.forEach(function (it) {
      var d = clone(it.data); delete d.id; delete d._unsaved_position;
      if (it.kind === 'component') {
        d.name = d.name + ' (copy)';
        if (d.boundary && map[d.boundary]) d.boundary = map[d.boundary];
        else if (d.boundary && !state.elements.boundary.has(d.boundary)) d.boundary = null;
        var p = cy.$id(it.data.id).nonempty() ? cy.$id(it.data.id).position() : (d.position || viewportCenter());
        d.position = { x: Math.round(p.x + 40), y: Math.round(p.y + 40) };
        if (d.identity && !state.elements.identity.has(d.identity)) d.identity = null;
      } else if (it.kind === 'boundary') {
        d.name = d.name + ' (copy)';
        if (d.parent && map[d.parent]) d.parent = map[d.parent];
        else if (d.parent && !state.elements.boundary.has(d.parent)) d.parent = null;
        var bp = cy.$id(it.data.id).nonempty() ? cy.$id(it.data.id).position() : (d.position || viewportCenter());
        d.position = { x: Math.round(bp.x + 40), y: Math.round(bp.y + 40) };
      } else if (it.kind === 'flow') {
        d.source = map[d.source]; d.target = map[d.target];
        if (!d.source || !d.target) return;
      }
      ['data_stored', 'data_processed', 'data_assets'].forEach(function (k) { if (d[k]) d[k] = d[k].filter(function (x) { return state.elements.data_asset.has(x); }); });
      changes.push({ op: 'create', kind: it.kind, id: map[it.data.id], data: d });
    });
    if (commit(changes, 'Paste ' + changes.length + ' elements')) {
      selectIds(changes.filter(function (c) { return c.kind !== 'flow'; }).map(function (c) { return c.id; }), { noCenter: true });
      announce('Pasted ' + changes.length + ' element' + (changes.length === 1 ? '' : 's') + '.', 'ok');
    }
  };
  var positionChange = function (node) {
    var p = node.position();
    return { op: 'update', kind: node.hasClass('boundary') ? 'boundary' : 'component', id: node.id(), data: { position: { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 } } };
  };
  // After a drag: save positions and (for dropped nodes) the boundary they landed in.
  var dragged = new Set();
  var dragTimer = null;
  cy.on('grab', 'node', function () { /* positions are read at dragfree */ });
  cy.on('dragfree', 'node', function (ev) {
    if (READONLY) return;
    dragged.add(ev.target.id());
    if (dragTimer) clearTimeout(dragTimer);
    dragTimer = setTimeout(finishDrag, 0);
  });
  var finishDrag = function () {
    dragTimer = null;
    var roots = cy.collection();
    dragged.forEach(function (id) { var n = cy.$id(id); if (n.nonempty()) roots = roots.union(n); });
    dragged = new Set();
    if (roots.empty()) return;
    // only the outermost dragged nodes change membership
    roots = roots.filter(function (n) { return !n.ancestors().some(function (a) { return roots.contains(a); }); });
    var exclude = new Set();
    roots.forEach(function (n) { exclude.add(n.id()); n.descendants().forEach(function (d) { exclude.add(d.id()); }); });
    var changes = [], moved = [];
    roots.forEach(function (n) {
      var isBoundary = n.hasClass('boundary');
      var target = deepestBoundaryAt(n.position(), exclude);
      var current = (isBoundary ? (state.elements.boundary.get(n.id()) || {}).parent : (state.elements.component.get(n.id()) || {}).boundary) || null;
      if (target !== current) {
        var data = {}; data[isBoundary ? 'parent' : 'boundary'] = target;
        changes.push({ op: 'update', kind: isBoundary ? 'boundary' : 'component', id: n.id(), data: data });
        moved.push([n.id(), target]);
      }
    });
    var nodes = roots.union(roots.descendants());
    var positions = [];
    nodes.forEach(function (n) {
      if (n.hasClass('component') || (n.hasClass('boundary') && n.isChildless())) positions.push(positionChange(n));
    });
    // merge position + membership per element
    var byId = {};
    changes.concat(positions).forEach(function (c) { if (byId[c.id]) Object.assign(byId[c.id].data, c.data); else byId[c.id] = { op: 'update', kind: c.kind, id: c.id, data: Object.assign({}, c.data) }; });
    var all = Object.keys(byId).map(function (k) { return byId[k]; });
    if (!all.length) return;
    var label = moved.length ? 'Move ' + moved.map(function (m) { return m[0] + ' into ' + (m[1] || 'no boundary'); }).join(', ') : 'Move ' + nodes.length + ' element' + (nodes.length === 1 ? '' : 's');
    commit(all, label);
    if (moved.length) announce(moved.map(function (m) { var b = m[1] ? state.elements.boundary.get(m[1]) : null; return displayName(getEl(m[0]), kindOfId(m[0])) + ' is now ' + (b ? 'in ' + b.name : 'outside every boundary'); }).join('; ') + '.', 'ok');
  };
  var nudge = function (dx, dy) {
    var nodes = cy.$('node:selected');
    if (!nodes.nonempty()) return;
    nodes = nodes.filter(function (n) { return !n.ancestors().some(function (a) { return a.selected(); }); });
    var all = nodes.union(nodes.descendants());
    cy.batch(function () { all.filter('.component, .boundary:childless').forEach(function (n) { var p = n.position(); n.position({ x: p.x + dx, y: p.y + dy }); }); });
    all.forEach(function (n) { if (n.hasClass('component') || (n.hasClass('boundary') && n.isChildless())) dragged.add(n.id()); });
    if (dragTimer) clearTimeout(dragTimer);
    dragTimer = setTimeout(finishDrag, 400);
  };

  // ---------------------------------------------------------------------------------------------- edge drawing (edgehandles)
  var eh = null;
  if (!READONLY && cy.edgehandles) {
    eh = cy.edgehandles({
      canConnect: function (s, t) { return s.hasClass('component') && t.hasClass('component') && s.id() !== t.id(); },
      edgeParams: function () { return { data: { etype: 'draft' }, classes: 'draft' }; },
      hoverDelay: 50, snap: true, snapThreshold: 30, snapFrequency: 15, noEdgeEventsInDraw: true, disableBrowserGestures: true
    });
    cy.on('ehcomplete', function (ev, source, target, added) {
      if (added) added.remove();
      createFlow(source.id(), target.id());
    });
  }
  var connectMode = false;
  var setConnectMode = function (on) {
    if (!eh) return;
    connectMode = on;
    if (on) eh.enableDrawMode(); else eh.disableDrawMode();
    var b = $('[data-testid="tool-connect"]'); if (b) b.setAttribute('aria-pressed', on ? 'true' : 'false');
    container.classList.toggle('connecting', on);
    announce(on ? 'Connect mode: drag from one component to another to draw a data flow (Esc to stop).' : 'Select mode.');
  };
  // Shift-drag from a component also starts a flow
  cy.on('tapstart', 'node.component', function (ev) {
    if (!eh || connectMode) return;
    var oe = ev.originalEvent;
    if (oe && oe.shiftKey && oe.altKey) { eh.start(ev.target); }
  });

  // ---------------------------------------------------------------------------------------------- palette and canvas taps
  var setArmed = function (what) {
    state.armed = what;
    document.querySelectorAll('.palette [data-kind]').forEach(function (b) { b.setAttribute('aria-pressed', b.dataset.kind === what ? 'true' : 'false'); });
    container.classList.toggle('placing', !!what);
    if (what) announce('Click on the diagram to place the ' + what.replace(/-/g, ' ') + ' (Enter on the button again places it in the middle, Esc cancels).');
  };
  document.querySelectorAll('.palette [data-kind]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (READONLY) return;
      var what = b.dataset.kind;
      if (state.armed === what) { setArmed(null); if (what === 'boundary') addBoundary(null); else addComponent(what, null); return; }
      setArmed(what);
    });
    b.setAttribute('draggable', 'true');
    b.addEventListener('dragstart', function (ev) { ev.dataTransfer.setData('text/x-trustmap-kind', b.dataset.kind); ev.dataTransfer.effectAllowed = 'copy'; });
  });
  container.addEventListener('dragover', function (ev) { if (!READONLY) { ev.preventDefault(); ev.dataTransfer.dropEffect = 'copy'; } });
  container.addEventListener('drop', function (ev) {
    var what = ev.dataTransfer.getData('text/x-trustmap-kind');
    if (!what || READONLY) return;
    ev.preventDefault();
    var rect = container.getBoundingClientRect();
    var pan = cy.pan(), zoom = cy.zoom();
    var pos = { x: (ev.clientX - rect.left - pan.x) / zoom, y: (ev.clientY - rect.top - pan.y) / zoom };
    if (what === 'boundary') addBoundary(pos); else addComponent(what, pos);
  });
  cy.on('tap', function (ev) {
    if (state.armed && (ev.target === cy || (ev.target.hasClass && ev.target.hasClass('boundary')))) {
      var what = state.armed; setArmed(null);
      if (what === 'boundary') addBoundary(ev.position); else addComponent(what, ev.position);
    } else if (ev.target === cy) {
      clearPath();
    }
  });

  // ---------------------------------------------------------------------------------------------- layout (ELK in a Web Worker)
  var elkInstance = null;
  var loadElk = function () {
    if (elkInstance) return Promise.resolve(elkInstance);
    return new Promise(function (resolve, reject) {
      var make = function () { elkInstance = new window.ELK({ workerUrl: CONFIG.urls.elk_worker }); resolve(elkInstance); };
      if (window.ELK) return make();
      var s = document.createElement('script'); s.src = CONFIG.urls.elk_api; s.onload = make; s.onerror = function () { reject(new Error('could not load the layout engine')); };
      document.head.appendChild(s);
    });
  };
  var elkGraph = function () {
    var nodes = {};
    var root = { id: '__root', layoutOptions: {
      'elk.algorithm': 'layered', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.direction': 'DOWN', 'elk.spacing.nodeNode': '24', 'elk.layered.spacing.nodeNodeBetweenLayers': '34', 'elk.spacing.edgeNode': '16',
      'elk.layered.spacing.edgeNodeBetweenLayers': '20', 'elk.spacing.componentComponent': '60',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.separateConnectedComponents': 'true' }, children: [], edges: [] };
    Object.assign(root.layoutOptions, window.TRUSTMAP_ELK || {});
    cy.nodes().forEach(function (n) {
      var isB = n.hasClass('boundary');
      nodes[n.id()] = isB ? { id: n.id(), children: [], layoutOptions: { 'elk.padding': '[top=38,left=18,bottom=18,right=18]', 'elk.spacing.nodeNode': '28' }, width: 160, height: 70 }
        : { id: n.id(), width: NODE_W, height: NODE_H };
    });
    cy.nodes().forEach(function (n) {
      var parent = n.data('parent');
      (parent && nodes[parent] ? nodes[parent].children : root.children).push(nodes[n.id()]);
    });
    Object.keys(nodes).forEach(function (id) { if (nodes[id].children && !nodes[id].children.length) delete nodes[id].children; });
    cy.edges().forEach(function (e) { root.edges.push({ id: e.id(), sources: [e.data('source')], targets: [e.data('target')] }); });
    return root;
  };
  var layoutRunning = false;
  var tidyUp = function (opts) {
    opts = opts || {};
    if (layoutRunning) return Promise.resolve(false);
    if (!cy.nodes().length) { announce('Nothing to lay out yet.'); return Promise.resolve(false); }
    if (ZONES) { announce('This model is too large for the layered layout in the browser (' + state.elements.component.size + ' components); it opens on a grid by boundary.', 'error'); return Promise.resolve(false); }
    layoutRunning = true;
    document.body.dataset.layout = 'running';
    var btn = $('[data-testid="tool-tidy"]'); if (btn) btn.disabled = true;
    announce('Tidying up the diagram in the background…');
    var t0 = performance.now();
    return loadElk().then(function (elk) { return elk.layout(elkGraph()); }).then(function (result) {
      var positions = {};
      var walk = function (node, ox, oy) {
        (node.children || []).forEach(function (c) {
          var x = ox + (c.x || 0), y = oy + (c.y || 0);
          positions[c.id] = { x: Math.round(x + c.width / 2), y: Math.round(y + c.height / 2), leaf: !c.children || !c.children.length };
          walk(c, x, y);
        });
      };
      walk(result, 0, 0);
      var changes = [];
      cy.batch(function () {
        cy.nodes().forEach(function (n) {
          var p = positions[n.id()]; if (!p) return;
          if (n.isChildless()) n.position({ x: p.x, y: p.y });
        });
      });
      cy.nodes().forEach(function (n) {
        var p = positions[n.id()]; if (!p) return;
        var pos = n.isChildless() ? { x: p.x, y: p.y } : { x: Math.round(n.position().x), y: Math.round(n.position().y) };
        changes.push({ op: 'update', kind: n.hasClass('boundary') ? 'boundary' : 'component', id: n.id(), data: { position: pos } });
      });
      cy.fit(undefined, 30);
      state.lastLayoutMs = performance.now() - t0;
      if (opts.save && !READONLY) {
        // positions are already on the canvas; the change set records them (undo puts the old layout back)
        var inverse = invert(changes);
        changes.forEach(function (ch) { var m = state.elements[ch.kind]; var item = m.get(ch.id); if (item) { var next = Object.assign({}, item, { position: ch.data.position }); delete next._unsaved_position; m.set(ch.id, next); } });
        var entry = { changes: changes, inverse: inverse, label: 'Tidy up layout' };
        state.undo.push(entry); state.redo = [];
        enqueueSave(changes, 'Tidy up layout', entry);
        state.unsavedLayout = false;
      } else {
        changes.forEach(function (ch) { var m = state.elements[ch.kind]; var item = m.get(ch.id); if (item) m.set(ch.id, Object.assign({}, item, { position: ch.data.position, _unsaved_position: true })); });
        state.unsavedLayout = true;
      }
      updateButtons();
      announce('Layout done in ' + Math.round(state.lastLayoutMs) + ' ms' + (opts.save ? '.' : (READONLY ? '.' : ' (not saved yet: "Save layout" keeps it).')), 'ok');
      return true;
    }).catch(function (err) {
      announce('Layout failed: ' + (err && err.message ? err.message : err), 'error');
      return false;
    }).then(function (ok) {
      layoutRunning = false; document.body.dataset.layout = 'done'; if (btn) btn.disabled = READONLY;
      return ok;
    });
  };
  var saveLayout = function () {
    var changes = [];
    cy.nodes().forEach(function (n) { if (n.hasClass('component') || n.isChildless()) changes.push(positionChange(n)); else changes.push(positionChange(n)); });
    if (commit(changes, 'Save layout')) { state.unsavedLayout = false; updateButtons(); announce('Layout saved.', 'ok'); }
  };

  // ---------------------------------------------------------------------------------------------- export
  var download = function (href, name) { var a = el('a', { href: href, download: name }); document.body.appendChild(a); a.click(); a.remove(); };
  var exportPng = function () {
    var blob = cy.png({ full: true, scale: big ? 1 : 2, bg: '#ffffff', output: 'blob', maxWidth: 8000, maxHeight: 8000 });
    var url = URL.createObjectURL(blob);
    download(url, (state.info.name || 'model').replace(/[^A-Za-z0-9._-]+/g, '-') + '-r' + state.revision + '.png');
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
    announce('Exported the diagram as PNG.', 'ok');
  };

  // ---------------------------------------------------------------------------------------------- toolbar + keyboard
  var tools = {
    'tool-select': function () { setConnectMode(false); setArmed(null); },
    'tool-connect': function () { setConnectMode(!connectMode); },
    'tool-undo': undo, 'tool-redo': redo, 'tool-delete': deleteSelection, 'tool-copy': copySelection, 'tool-paste': paste,
    'tool-zoom-in': function () { cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } }); },
    'tool-zoom-out': function () { cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } }); },
    'tool-fit': function () { cy.fit(undefined, 30); },
    'tool-tidy': function () { tidyUp({ save: !READONLY }); },
    'tool-save-layout': saveLayout,
    'tool-png': exportPng
  };
  Object.keys(tools).forEach(function (name) {
    var b = document.querySelector('[data-testid="' + name + '"]');
    if (b) b.addEventListener('click', function () { tools[name](); });
  });
  var updateButtons = function () {
    var set = function (name, enabled) { var b = document.querySelector('[data-testid="' + name + '"]'); if (b) b.disabled = !enabled; };
    set('tool-undo', !READONLY && state.undo.length > 0 && !state.conflict);
    set('tool-redo', !READONLY && state.redo.length > 0 && !state.conflict);
    var tidy = document.querySelector('[data-testid="tool-tidy"]');
    if (tidy && ZONES) { tidy.disabled = true; tidy.title = 'Too large for the layered layout in the browser: this model opens on a grid by boundary.'; }
    var sl = document.querySelector('[data-testid="tool-save-layout"]');
    if (sl) sl.hidden = READONLY || !state.unsavedLayout;
  };
  var typing = function (t) { return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable); };
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { if (connectMode) setConnectMode(false); if (state.armed) { setArmed(null); announce('Cancelled.'); } clearPath(); return; }
    if (typing(ev.target)) return;
    if (ev.target.closest && ev.target.closest('dialog')) return;
    var mod = ev.ctrlKey || ev.metaKey;
    var k = ev.key.toLowerCase();
    if (mod && k === 'z' && !ev.shiftKey) { ev.preventDefault(); undo(); }
    else if (mod && (k === 'y' || (k === 'z' && ev.shiftKey))) { ev.preventDefault(); redo(); }
    else if (mod && k === 'c') { copySelection(); }
    else if (mod && k === 'v') { ev.preventDefault(); paste(); }
    else if (mod && k === 'a' && (ev.target === container || container.contains(ev.target))) { ev.preventDefault(); cy.elements().select(); }
    else if ((ev.key === 'Delete' || ev.key === 'Backspace') && selection.ids.length && !READONLY) { ev.preventDefault(); deleteSelection(); }
    else if (ev.key.indexOf('Arrow') === 0 && (ev.target === container || container.contains(ev.target)) && cy.$('node:selected').nonempty() && !READONLY) {
      ev.preventDefault();
      var step = ev.shiftKey ? 50 : 10;
      nudge(ev.key === 'ArrowLeft' ? -step : ev.key === 'ArrowRight' ? step : 0, ev.key === 'ArrowUp' ? -step : ev.key === 'ArrowDown' ? step : 0);
    } else if ((ev.key === '+' || ev.key === '=') && ev.target === container) { tools['tool-zoom-in'](); }
    else if (ev.key === '-' && ev.target === container) { tools['tool-zoom-out'](); }
    else if (ev.key === '0' && ev.target === container) { tools['tool-fit'](); }
  });
  container.addEventListener('mousedown', function () { if (document.activeElement !== container) container.focus({ preventScroll: true }); });

  // ---------------------------------------------------------------------------------------------- start
  var afterReady = function () {
    renderTextView();
    renderProperties();
    renderScore();
    updateButtons();
    updateRevisionUI();
    var n = state.elements.component.size;
    announce((READONLY ? 'Viewing' : 'Editing') + ' ' + n + ' component' + (n === 1 ? '' : 's') + ' and ' + state.elements.flow.size + ' flow' + (state.elements.flow.size === 1 ? '' : 's') + ' at revision ' + state.revision + '.');
    var auto = CONFIG.positions_missing && n > 0 && n <= (CONFIG.auto_layout_limit || 0) && !CONFIG.readonly;
    var chain = auto ? tidyUp({ save: false }) : Promise.resolve();
    chain.then(function () { return CONFIG.urls.live_assessment ? refreshAssessment(null) : null; })
      .then(function () { document.body.dataset.editorSettled = '1'; });
  };

  // ---------------------------------------------------------------------------------------------- test hooks (primitives only)
  window.trustmap = {
    revision: function () { return state.revision; },
    pending: function () { return state.pending; },
    count: function (kind) { return state.elements[kind] ? state.elements[kind].size : -1; },
    ids: function (kind) { return Array.from(state.elements[kind].keys()); },
    element: function (id) { return clone(getEl(id)); },
    parentOf: function (id) {
      var n = cy.$id(id); if (n.empty()) return undefined;
      if (!ZONES) return n.data('parent') || null;
      var item = getEl(id); return (item && (item.boundary || item.parent)) || null;
    },
    zones: function () { return ZONES; },
    highlightedPath: function () { return state.highlightedPath; },
    emptyPagePoint: function () {  // a point of the canvas clear of every boundary and component (for tests)
      var rect = container.getBoundingClientRect(), pan = cy.pan(), z = cy.zoom();
      var boxes = cy.nodes().map(function (n) { return n.boundingBox({ includeLabels: true }); });
      for (var py = 30; py < rect.height - 30; py += 15) {
        for (var px = 30; px < rect.width - 30; px += 15) {
          var mx = (px - pan.x) / z, my = (py - pan.y) / z, m = 40 / z;
          var clear = boxes.every(function (b) { return mx < b.x1 - m || mx > b.x2 + m || my < b.y1 - m || my > b.y2 + m; });
          if (clear) return { x: rect.left + px, y: rect.top + py };
        }
      }
      return null;
    },
    pathElementsOn: function () { return cy.$('.path-on').length; },
    pagePosition: function (id) {
      var n = cy.$id(id); if (n.empty()) return null;
      var rect = container.getBoundingClientRect(); var p = n.renderedPosition();
      return { x: rect.left + p.x, y: rect.top + p.y };
    },
    modelToPage: function (x, y) {
      var rect = container.getBoundingClientRect(); var pan = cy.pan(), z = cy.zoom();
      return { x: rect.left + pan.x + x * z, y: rect.top + pan.y + y * z };
    },
    boundingBox: function (id) { var n = cy.$id(id); if (n.empty()) return null; var b = n.boundingBox({ includeLabels: false }); return { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 }; },
    renderedBox: function (id) { var n = cy.$id(id); if (n.empty()) return null; var b = n.renderedBoundingBox({ includeLabels: false }); var r = container.getBoundingClientRect(); return { x1: r.left + b.x1, y1: r.top + b.y1, x2: r.left + b.x2, y2: r.top + b.y2 }; },
    boundaryOverlaps: function () {
      var out = 0, bs = cy.nodes('.boundary');
      bs.forEach(function (a, i) {
        bs.forEach(function (b, j) {
          if (j <= i || a.ancestors().contains(b) || b.ancestors().contains(a)) return;
          var p = a.boundingBox({ includeLabels: true }), q = b.boundingBox({ includeLabels: true });
          if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out++;
        });
      });
      return out;
    },
    nodeOverlaps: function () {
      var out = 0, ns = cy.nodes('.component');
      if (ns.length > 800) return -1;
      var box = function (n) { var p = n.position(), w = n.width() / 2, h = n.height() / 2; return { x1: p.x - w, x2: p.x + w, y1: p.y - h, y2: p.y + h }; };
      ns.forEach(function (a, i) { ns.forEach(function (b, j) { if (j <= i) return; var p = box(a), q = box(b); if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out++; }); });
      return out;
    },
    severityOf: function (id) { var n = cy.$id(id); return n.nonempty() ? (n.data('sev') || null) : null; },
    findingIds: function () { return state.findings.filter(isOpen).map(function (f) { return f.id; }); },
    score: function () { return state.scores ? state.scores.overall : null; },
    selected: function () { return selection.ids.slice(); },
    select: function (ids) { selectIds(ids, { noCenter: true }); return ids.length; },
    lastRoundTrip: function () { return state.lastRoundTrip; },
    roundTrips: function () { return state.roundTrips.slice(); },
    firstRenderMs: function () { return state.firstRenderMs; },
    tidyUp: function (save) { return tidyUp({ save: !!save }).then(function (ok) { return !!ok; }); },
    idle: function () { return saveChain.then(function () { return state.pending; }); },
    conflict: function () { return state.conflict; },
    fit: function () { cy.fit(undefined, 30); return 0; },
    zoom: function () { return cy.zoom(); },
    update: function (kind, id, data) { return commit([{ op: 'update', kind: kind, id: id, data: data }], 'Set ' + Object.keys(data).join(', ') + ' of ' + id) ? 1 : 0; },
    labelOf: function (id) { var n = cy.$id(id); return n.nonempty() ? n.data('label') : null; }
  };
})();
