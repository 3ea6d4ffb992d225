// Automatic layout (ELK in a Web Worker) and saving the layout.
import { cy, fitView, ZONES } from './canvas.js';
import { invert, positionChange } from './changes.js';
import { CONFIG, NODE_H, NODE_W, READONLY } from './config.js';
import { $, announce } from './dom.js';
import { emit } from './events.js';
import { commit, enqueueSave } from './save.js';
import { state } from './state.js';

function nodeChange(n) { return positionChange(n.hasClass('boundary') ? 'boundary' : 'component', n.id(), n.position()); }

let elkInstance = null;
function loadElk() {
  if (elkInstance) return Promise.resolve(elkInstance);
  return new Promise(function (resolve, reject) {
    const make = function () { elkInstance = new window.ELK({ workerUrl: CONFIG.urls.elk_worker }); resolve(elkInstance); };
    if (window.ELK) return make();
    const s = document.createElement('script'); s.src = CONFIG.urls.elk_api; s.onload = make; s.onerror = function () { reject(new Error('could not load the layout engine')); };
    document.head.appendChild(s);
  });
}
function elkGraph() {
  const nodes = {};
  const root = { id: '__root', layoutOptions: {
    'elk.algorithm': 'layered', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.direction': 'DOWN', 'elk.spacing.nodeNode': '24', 'elk.layered.spacing.nodeNodeBetweenLayers': '34', 'elk.spacing.edgeNode': '16',
    'elk.layered.spacing.edgeNodeBetweenLayers': '20', 'elk.spacing.componentComponent': '60',
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX', 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.separateConnectedComponents': 'true' }, children: [], edges: [] };
  Object.assign(root.layoutOptions, window.TRUSTMAP_ELK || {});
  cy.nodes().forEach(function (n) {
    const isB = n.hasClass('boundary');
    nodes[n.id()] = isB ? { id: n.id(), children: [], layoutOptions: { 'elk.padding': '[top=38,left=18,bottom=18,right=18]', 'elk.spacing.nodeNode': '28' }, width: 160, height: 70 }
      : { id: n.id(), width: NODE_W, height: NODE_H };
  });
  cy.nodes().forEach(function (n) {
    const parent = n.data('parent');
    (parent && nodes[parent] ? nodes[parent].children : root.children).push(nodes[n.id()]);
  });
  Object.keys(nodes).forEach(function (id) { if (nodes[id].children && !nodes[id].children.length) delete nodes[id].children; });
  cy.edges().forEach(function (e) { root.edges.push({ id: e.id(), sources: [e.data('source')], targets: [e.data('target')] }); });
  return root;
}
let layoutRunning = false;
export function tidyUp(opts) {
  opts = opts || {};
  if (layoutRunning) return Promise.resolve(false);
  if (!cy.nodes().length) { announce('Nothing to lay out yet.'); return Promise.resolve(false); }
  if (ZONES) { announce('This model is too large for the layered layout in the browser (' + state.elements.component.size + ' components); it opens on a grid by boundary.', 'error'); return Promise.resolve(false); }
  layoutRunning = true;
  document.body.dataset.layout = 'running';
  const btn = $('[data-testid="tool-tidy"]'); if (btn) btn.disabled = true;
  announce('Tidying up the diagram in the background…');
  const t0 = performance.now();
  return loadElk().then(function (elk) { return elk.layout(elkGraph()); }).then(function (result) {
    const positions = {};
    const walk = function (node, ox, oy) {
      (node.children || []).forEach(function (c) {
        const x = ox + (c.x || 0), y = oy + (c.y || 0);
        positions[c.id] = { x: Math.round(x + c.width / 2), y: Math.round(y + c.height / 2), leaf: !c.children || !c.children.length };
        walk(c, x, y);
      });
    };
    walk(result, 0, 0);
    const changes = [];
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        const p = positions[n.id()]; if (!p) return;
        if (n.isChildless()) n.position({ x: p.x, y: p.y });
      });
    });
    cy.nodes().forEach(function (n) {
      const p = positions[n.id()]; if (!p) return;
      const pos = n.isChildless() ? { x: p.x, y: p.y } : { x: Math.round(n.position().x), y: Math.round(n.position().y) };
      changes.push({ op: 'update', kind: n.hasClass('boundary') ? 'boundary' : 'component', id: n.id(), data: { position: pos } });
    });
    fitView();
    state.lastLayoutMs = performance.now() - t0;
    if (opts.save && !READONLY) {
      // positions are already on the canvas; the change set records them (undo puts the old layout back)
      const inverse = invert(changes);
      changes.forEach(function (ch) { const m = state.elements[ch.kind]; const item = m.get(ch.id); if (item) { const next = Object.assign({}, item, { position: ch.data.position }); delete next._unsaved_position; m.set(ch.id, next); } });
      const entry = { changes: changes, inverse: inverse, label: 'Tidy up layout' };
      state.undo.push(entry); state.redo = [];
      enqueueSave(changes, 'Tidy up layout', entry);
      state.unsavedLayout = false;
    } else {
      changes.forEach(function (ch) { const m = state.elements[ch.kind]; const item = m.get(ch.id); if (item) m.set(ch.id, Object.assign({}, item, { position: ch.data.position, _unsaved_position: true })); });
      state.unsavedLayout = true;
    }
    emit('status');
    announce('Layout done in ' + Math.round(state.lastLayoutMs) + ' ms' + (opts.save ? '.' : (READONLY ? '.' : ' (not saved yet: "Save layout" keeps it).')), 'ok');
    return true;
  }).catch(function (err) {
    announce('Layout failed: ' + (err && err.message ? err.message : err), 'error');
    return false;
  }).then(function (ok) {
    layoutRunning = false; document.body.dataset.layout = 'done'; if (btn) btn.disabled = READONLY;
    return ok;
  });
}
export function saveLayout() {
  const changes = [];
  cy.nodes().forEach(function (n) { changes.push(nodeChange(n)); });
  if (commit(changes, 'Save layout')) { state.unsavedLayout = false; emit('status'); announce('Layout saved.', 'ok'); }
}
