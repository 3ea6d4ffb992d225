// Placing and removing elements from the canvas and the panels (the change sets come from ops.js).
import { cy, ZONES } from './canvas.js';
import { NODE_H, NODE_W } from './config.js';
import { announce } from './dom.js';
import { deletionChanges } from './ops.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { boundaryDepth, defaults, displayName, getEl, kindOfId, newId, selection, state } from './state.js';

// A boundary's box from its leaf members (those in `exclude`, being dragged, left out): a compound node's own box
// still stretches to a member being dragged out of it.
export function boundaryBox(b, exclude) {
  if (ZONES) return b.boundingBox({ includeLabels: false, includeOverlays: false });
  const inner = b.descendants().filter(function (d) { return d.isChildless() && (!exclude || !exclude.has(d.id())); });
  if (inner.nonempty()) {
    const bb = inner.boundingBox({ includeLabels: false, includeOverlays: false });
    const pad = 28;
    return { x1: bb.x1 - pad, x2: bb.x2 + pad, y1: bb.y1 - pad - 24, y2: bb.y2 + pad };
  }
  const p = b.position();
  return { x1: p.x - 90, x2: p.x + 90, y1: p.y - 45, y2: p.y + 45 };
}
export function deepestBoundaryAt(pos, exclude) {
  let best = null, bestDepth = -1;
  cy.nodes('.boundary').forEach(function (b) {
    if (exclude && exclude.has(b.id())) return;
    const bb = boundaryBox(b, exclude);
    if (pos.x >= bb.x1 && pos.x <= bb.x2 && pos.y >= bb.y1 && pos.y <= bb.y2) {
      const depth = boundaryDepth(b.id());
      if (depth > bestDepth) { best = b.id(); bestDepth = depth; }
    }
  });
  return best;
}
function placeFree(pos) {
  let p = { x: Math.round(pos.x), y: Math.round(pos.y) };
  for (let i = 0; i < 40; i++) {
    const clash = cy.nodes('.component').some(function (n) { const q = n.position(); return Math.abs(q.x - p.x) < NODE_W + 10 && Math.abs(q.y - p.y) < NODE_H + 10; });
    if (!clash) return p;
    p = { x: p.x + 30, y: p.y + 70 };
  }
  return p;
}
export function viewportCenter() {
  const ext = cy.extent(); return { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 };
}
export function addComponent(ckind, pos) {
  pos = pos || viewportCenter();
  // the boundary clicked in, even when the free spot found next to a neighbour lies past its current edge
  // (the boundary grows around its new member)
  const boundary = deepestBoundaryAt(pos, null);
  pos = placeFree(pos);
  const id = newId(ckind);
  const name = 'New ' + ckind.replace(/-/g, ' ');
  const data = Object.assign(defaults('component'), { name: name, kind: ckind, boundary: boundary, position: pos });
  if (commit([{ op: 'create', kind: 'component', id: id, data: data }], 'Add ' + ckind + ' ' + id)) {
    selectIds([id], { noCenter: true, focusName: true });
    announce('Added ' + name + (boundary ? ' in ' + displayName(state.elements.boundary.get(boundary), 'boundary') : '') + '. Edit it in the properties panel.', 'ok');
  }
  return id;
}
export function addBoundary(pos) {
  pos = pos || viewportCenter();
  const id = newId('zone');
  const parent = deepestBoundaryAt(pos, null);
  const data = Object.assign(defaults('boundary'), { name: 'New trust boundary', parent: parent, position: { x: Math.round(pos.x), y: Math.round(pos.y) } });
  if (commit([{ op: 'create', kind: 'boundary', id: id, data: data }], 'Add boundary ' + id)) {
    selectIds([id], { noCenter: true, focusName: true });
    announce('Added a trust boundary. Drag components into it to make them members.', 'ok');
  }
  return id;
}
export function createFlow(source, target) {
  if (source === target) return null;
  const id = newId('flow-' + source + '-' + target);
  const data = Object.assign(defaults('flow'), { source: source, target: target });
  delete data.name;
  if (commit([{ op: 'create', kind: 'flow', id: id, data: data }], 'Add flow ' + source + ' → ' + target)) {
    selectIds([id], { noCenter: true });
    announce('Added a flow from ' + displayName(state.elements.component.get(source), 'component') + ' to ' + displayName(state.elements.component.get(target), 'component') + '.', 'ok');
  }
  return id;
}
export function deleteSelection() {
  const ids = selection.ids.filter(function (id) { return getEl(id); });
  if (!ids.length) { announce('Nothing selected to delete.'); return; }
  const changes = deletionChanges(ids);
  // flows, grants and controls that refer to the selection go with it: say which, and let the person cancel
  const also = changes.filter(function (c) { return c.op === 'delete' && ids.indexOf(c.id) < 0; });
  const label = function (id) { return displayName(getEl(id), kindOfId(id)) || id; };
  if (also.length && !window.confirm('Also delete what refers to ' + ids.map(label).join(', ') + ': ' +
      also.map(function (c) { return c.kind + ' ' + label(c.id); }).join(', ') + '?')) {
    announce('Nothing deleted.');
    return;
  }
  if (commit(changes, 'Delete ' + ids.join(', '))) {
    selectIds([], { noCenter: true });
    announce('Deleted ' + ids.length + ' element' + (ids.length === 1 ? '' : 's') + ' (' + changes.length + ' changes). Ctrl+Z undoes.', 'ok');
  }
}
