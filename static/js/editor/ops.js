// Model operations: the change sets of deleting (with what references the element), undo and redo.
import { READONLY } from './config.js';
import { announce } from './dom.js';
import { emit } from './events.js';
import { commit } from './save.js';
import { boundaryDepth, kindOfId, state } from './state.js';

// Deleting removes what references the element in the same change set (the server refuses dangling references).
export function deletionChanges(ids) {
  const doomed = new Set(ids);
  const changes = [], updates = [];
  const refs = function (item, id) {
    return item.source === id || item.target === id || item.identity === id;
  };
  // boundaries: members move to the parent boundary
  ids.forEach(function (id) {
    const b = state.elements.boundary.get(id); if (!b) return;
    let up = b.parent; while (up && doomed.has(up)) up = (state.elements.boundary.get(up) || {}).parent;
    state.elements.component.forEach(function (c) { if (c.boundary === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'component', id: c.id, data: { boundary: up || null } }); });
    state.elements.boundary.forEach(function (c) { if (c.parent === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'boundary', id: c.id, data: { parent: up || null } }); });
  });
  ['flow', 'grant', 'control'].forEach(function (k) {
    state.elements[k].forEach(function (item) {
      if (doomed.has(item.id)) return;
      for (const id of ids) { if (refs(item, id)) { doomed.add(item.id); changes.push({ op: 'delete', kind: k, id: item.id }); return; } }
    });
  });
  // controls on flows/grants being removed
  state.elements.control.forEach(function (item) { if (!doomed.has(item.id) && doomed.has(item.target)) { doomed.add(item.id); changes.push({ op: 'delete', kind: 'control', id: item.id }); } });
  // manual threats go with the element they are about, and lose the links to controls that go
  state.elements.threat.forEach(function (t) {
    if (doomed.has(t.id)) return;
    if (doomed.has(t.target)) { doomed.add(t.id); changes.push({ op: 'delete', kind: 'threat', id: t.id }); return; }
    const kept = (t.controls || []).filter(function (x) { return !doomed.has(x); });
    if (kept.length !== (t.controls || []).length) updates.push({ op: 'update', kind: 'threat', id: t.id, data: { controls: kept } });
  });
  // references held by components / flows (identity, data assets)
  ids.forEach(function (id) {
    const k = kindOfId(id);
    if (k === 'identity') state.elements.component.forEach(function (c) { if (c.identity === id && !doomed.has(c.id)) updates.push({ op: 'update', kind: 'component', id: c.id, data: { identity: null } }); });
    if (k === 'data_asset') {
      state.elements.component.forEach(function (c) {
        if (doomed.has(c.id)) return;
        const d = {};
        if ((c.data_stored || []).indexOf(id) >= 0) d.data_stored = c.data_stored.filter(function (x) { return x !== id; });
        if ((c.data_processed || []).indexOf(id) >= 0) d.data_processed = c.data_processed.filter(function (x) { return x !== id; });
        if (Object.keys(d).length) updates.push({ op: 'update', kind: 'component', id: c.id, data: d });
      });
      state.elements.flow.forEach(function (f) { if (!doomed.has(f.id) && (f.data_assets || []).indexOf(id) >= 0) updates.push({ op: 'update', kind: 'flow', id: f.id, data: { data_assets: f.data_assets.filter(function (x) { return x !== id; }) } }); });
    }
  });
  const order = { threat: 0, flow: 0, grant: 0, control: 0, component: 1, identity: 2, data_asset: 2, boundary: 3 };
  const own = ids.map(function (id) { return { op: 'delete', kind: kindOfId(id), id: id }; }).filter(function (c) { return c.kind; });
  // child boundaries before parents
  own.sort(function (a, b) {
    const d = order[a.kind] - order[b.kind];
    if (d) return d;
    if (a.kind === 'boundary') return boundaryDepth(b.id) - boundaryDepth(a.id);
    return 0;
  });
  return updates.concat(changes, own);
}
export function undo() {
  if (READONLY || state.conflict) return;
  const entry = state.undo.pop(); if (!entry) { announce('Nothing to undo.'); return; }
  const back = entry.inverse;
  if (commit(back, 'Undo: ' + entry.label, { history: false })) {
    state.redo.push({ changes: entry.changes, inverse: back, label: entry.label });
    announce('Undone: ' + entry.label, 'ok');
  }
  emit('status');
}
export function redo() {
  if (READONLY || state.conflict) return;
  const entry = state.redo.pop(); if (!entry) { announce('Nothing to redo.'); return; }
  if (commit(entry.changes, 'Redo: ' + entry.label, { keepRedo: true })) announce('Redone: ' + entry.label, 'ok');
  emit('status');
}
