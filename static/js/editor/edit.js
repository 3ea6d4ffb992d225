// Editing operations: adding, deleting (with what references the element), undo and redo.
import { boundaryDepth, cy, ZONES } from './canvas.js';
import { NODE_H, NODE_W, READONLY } from './config.js';
import { announce } from './dom.js';
import { renderProperties } from './properties.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { defaults, displayName, getEl, kindOfId, newId, selection, state } from './state.js';
import { updateButtons } from './toolbar.js';

export function deepestBoundaryAt(pos, exclude) {
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
}
function placeFree(pos) {
  var p = { x: Math.round(pos.x), y: Math.round(pos.y) };
  for (var i = 0; i < 40; i++) {
    var clash = cy.nodes('.component').some(function (n) { var q = n.position(); return Math.abs(q.x - p.x) < NODE_W + 10 && Math.abs(q.y - p.y) < NODE_H + 10; });
    if (!clash) return p;
    p = { x: p.x + 30, y: p.y + 70 };
  }
  return p;
}
export function viewportCenter() {
  var ext = cy.extent(); return { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 };
}
export function addComponent(ckind, pos) {
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
}
export function addBoundary(pos) {
  pos = pos || viewportCenter();
  var id = newId('zone');
  var parent = deepestBoundaryAt(pos, null);
  var data = Object.assign(defaults('boundary'), { name: 'New trust boundary', parent: parent, position: { x: Math.round(pos.x), y: Math.round(pos.y) } });
  if (commit([{ op: 'create', kind: 'boundary', id: id, data: data }], 'Add boundary ' + id)) {
    selectIds([id], { noCenter: true });
    announce('Added a trust boundary. Drag components into it to make them members.', 'ok');
  }
  return id;
}
export function createFlow(source, target) {
  if (source === target) return null;
  var id = newId('flow-' + source + '-' + target);
  var data = Object.assign(defaults('flow'), { source: source, target: target });
  delete data.name;
  if (commit([{ op: 'create', kind: 'flow', id: id, data: data }], 'Add flow ' + source + ' → ' + target)) {
    selectIds([id], { noCenter: true });
    announce('Added a flow from ' + displayName(state.elements.component.get(source), 'component') + ' to ' + displayName(state.elements.component.get(target), 'component') + '.', 'ok');
  }
  return id;
}
// Deleting removes what references the element in the same change set (the server refuses dangling references).
function deletionChanges(ids) {
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
}
export function deleteSelection() {
  var ids = selection.ids.filter(function (id) { return getEl(id); });
  if (!ids.length) { announce('Nothing selected to delete.'); return; }
  var changes = deletionChanges(ids);
  // flows, grants and controls that refer to the selection go with it: say which, and let the person cancel
  var also = changes.filter(function (c) { return c.op === 'delete' && ids.indexOf(c.id) < 0; });
  var label = function (id) { return displayName(getEl(id), kindOfId(id)) || id; };
  if (also.length && !window.confirm('Also delete what refers to ' + ids.map(label).join(', ') + ': ' +
      also.map(function (c) { return c.kind + ' ' + label(c.id); }).join(', ') + '?')) {
    announce('Nothing deleted.');
    return;
  }
  if (commit(changes, 'Delete ' + ids.join(', '))) {
    selection.ids = []; cy.elements(':selected').unselect(); renderProperties();
    announce('Deleted ' + ids.length + ' element' + (ids.length === 1 ? '' : 's') + ' (' + changes.length + ' changes). Ctrl+Z undoes.', 'ok');
  }
}
export function undo() {
  if (READONLY || state.conflict) return;
  var entry = state.undo.pop(); if (!entry) { announce('Nothing to undo.'); return; }
  var back = entry.inverse;
  if (commit(back, 'Undo: ' + entry.label, { history: false })) {
    state.redo.push({ changes: entry.changes, inverse: back, label: entry.label });
    announce('Undone: ' + entry.label, 'ok');
  }
  updateButtons();
}
export function redo() {
  if (READONLY || state.conflict) return;
  var entry = state.redo.pop(); if (!entry) { announce('Nothing to redo.'); return; }
  if (commit(entry.changes, 'Redo: ' + entry.label, { keepRedo: true })) announce('Redone: ' + entry.label, 'ok');
  updateButtons();
}
