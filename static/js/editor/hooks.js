// Test hooks on window.trustmap (they return primitives only).
import { container, cy, ZONES } from './canvas.js';
import { conformanceOf } from './conformance.js';
import { clone } from './dom.js';
import { tidyUp } from './layout.js';
import { commit, saveChain } from './save.js';
import { selectIds } from './selection.js';
import { getEl, isOpen, selection, state } from './state.js';

export function initHooks() {
  window.trustmap = {
    revision: function () { return state.revision; },
    pending: function () { return state.pending; },
    count: function (kind) { return state.elements[kind] ? state.elements[kind].size : -1; },
    ids: function (kind) { return Array.from(state.elements[kind].keys()); },
    element: function (id) { return clone(getEl(id)); },
    parentOf: function (id) {
      const n = cy.$id(id); if (n.empty()) return undefined;
      if (!ZONES) return n.data('parent') || null;
      const item = getEl(id); return (item && (item.boundary || item.parent)) || null;
    },
    zones: function () { return ZONES; },
    highlightedPath: function () { return state.highlightedPath; },
    emptyPagePoint: function () {  // a point of the canvas clear of every boundary and component (for tests)
      const rect = container.getBoundingClientRect(), pan = cy.pan(), z = cy.zoom();
      const boxes = cy.nodes().map(function (n) { return n.boundingBox({ includeLabels: true }); });
      for (let py = 30; py < rect.height - 30; py += 15) {
        for (let px = 30; px < rect.width - 30; px += 15) {
          const mx = (px - pan.x) / z, my = (py - pan.y) / z, m = 40 / z;
          const clear = boxes.every(function (b) { return mx < b.x1 - m || mx > b.x2 + m || my < b.y1 - m || my > b.y2 + m; });
          if (clear) return { x: rect.left + px, y: rect.top + py };
        }
      }
      return null;
    },
    conformanceOf: function (id) { return conformanceOf(id); },
    lineColor: function (id) { const e = cy.$id(id); return e.nonempty() ? e.style('line-color') : null; },
    edgePairs: function () { return cy.edges().map(function (e) { return [e.data('source'), e.data('target')]; }); },
    pathElementsOn: function () { return cy.$('.path-on').length; },
    pagePosition: function (id) {
      const n = cy.$id(id); if (n.empty()) return null;
      const rect = container.getBoundingClientRect(); const p = n.renderedPosition();
      return { x: rect.left + p.x, y: rect.top + p.y };
    },
    modelToPage: function (x, y) {
      const rect = container.getBoundingClientRect(); const pan = cy.pan(), z = cy.zoom();
      return { x: rect.left + pan.x + x * z, y: rect.top + pan.y + y * z };
    },
    boundingBox: function (id) { const n = cy.$id(id); if (n.empty()) return null; const b = n.boundingBox({ includeLabels: false }); return { x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 }; },
    renderedBox: function (id) { const n = cy.$id(id); if (n.empty()) return null; const b = n.renderedBoundingBox({ includeLabels: false }); const r = container.getBoundingClientRect(); return { x1: r.left + b.x1, y1: r.top + b.y1, x2: r.left + b.x2, y2: r.top + b.y2 }; },
    boundaryOverlaps: function () {
      let out = 0; const bs = cy.nodes('.boundary');
      bs.forEach(function (a, i) {
        bs.forEach(function (b, j) {
          if (j <= i || a.ancestors().contains(b) || b.ancestors().contains(a)) return;
          const p = a.boundingBox({ includeLabels: true }), q = b.boundingBox({ includeLabels: true });
          if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out++;
        });
      });
      return out;
    },
    nodeOverlaps: function () {
      let out = 0; const ns = cy.nodes('.component');
      if (ns.length > 800) return -1;
      const box = function (n) { const p = n.position(), w = n.width() / 2, h = n.height() / 2; return { x1: p.x - w, x2: p.x + w, y1: p.y - h, y2: p.y + h }; };
      ns.forEach(function (a, i) { ns.forEach(function (b, j) { if (j <= i) return; const p = box(a), q = box(b); if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out++; }); });
      return out;
    },
    // flow labels drawn over a component or a boundary's title: [flow, what it covers] (boxes in model units)
    labelOverlaps: function () {
      const only = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false };
      const hit = function (a, b) { return a.w > 0 && b.w > 0 && a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; };
      const titles = cy.nodes('.boundary').map(function (b) { return [b.id(), b.boundingBox(only)]; });
      const nodes = cy.nodes('.component').map(function (n) { return [n.id(), n.boundingBox({ includeLabels: false, includeOverlays: false })]; });
      const out = [];
      cy.edges().forEach(function (e) {
        if (!e.style('label')) return;
        const box = e.boundingBox(only);
        titles.concat(nodes).forEach(function (t) { if (hit(box, t[1])) out.push([e.id(), t[0]]); });
      });
      return out;
    },
    labelStyle: function (id) { const e = cy.$id(id); return { rotation: e.style('text-rotation'), wrap: e.style('text-wrap') }; },
    severityOf: function (id) { const n = cy.$id(id); return n.nonempty() ? (n.data('sev') || null) : null; },
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
    zoomTo: function (level) { cy.zoom(level); return cy.zoom(); },
    update: function (kind, id, data) { return commit([{ op: 'update', kind: kind, id: id, data: data }], 'Set ' + Object.keys(data).join(', ') + ' of ' + id) ? 1 : 0; },
    labelOf: function (id) { const n = cy.$id(id); return n.nonempty() ? n.data('label') : null; },
    // the label the canvas draws (its style), '' while overview mode has not switched labels on yet
    drawnLabel: function (id) { const n = cy.$id(id); return n.nonempty() ? String(n.style('label') || '') : null; },
    drawn: function () { return document.body.dataset.editorDrawn || null; }
  };
}
