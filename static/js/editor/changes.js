// Applying change sets to the model in the page, inverting them for undo, shaping them for the API.
import { clone } from './dom.js';
import { emit } from './events.js';
import { defaults, state } from './state.js';

// Applies a change set to the state and tells the views what changed ('applied': one record per change with
// the element before and after, so the canvas can sync itself).
export function applyLocal(changes) {
  const records = [];
  changes.forEach(function (ch) {
    const map = state.elements[ch.kind];
    if (ch.kind === 'model') { state.info = Object.assign({}, state.info, ch.data); return; }
    if (ch.op === 'create') {
      const item = Object.assign(defaults(ch.kind), clone(ch.data), { id: ch.id });
      map.set(ch.id, item);
      records.push({ op: 'create', kind: ch.kind, id: ch.id, before: null, after: item });
    } else if (ch.op === 'update') {
      const before = map.get(ch.id);
      if (!before) return;
      const after = Object.assign({}, before, clone(ch.data), { id: ch.id });
      delete after._unsaved_position;
      map.set(ch.id, after);
      records.push({ op: 'update', kind: ch.kind, id: ch.id, before: before, after: after });
    } else if (ch.op === 'delete') {
      const gone = map.get(ch.id);
      map.delete(ch.id);
      records.push({ op: 'delete', kind: ch.kind, id: ch.id, before: gone || null, after: null });
    }
  });
  emit('applied', records);
}
// A position update of a component or boundary (rounded to a tenth).
export function positionChange(kind, id, p) {
  return { op: 'update', kind: kind, id: id, data: { position: { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 } } };
}
// The change set that undoes `changes` (computed against the state before they are applied).
export function invert(changes) {
  const overlay = new Map();
  const get = function (kind, id) { const key = kind + '\u0000' + id; return overlay.has(key) ? overlay.get(key) : (kind === 'model' ? state.info : state.elements[kind].get(id)); };
  const set = function (kind, id, v) { overlay.set(kind + '\u0000' + id, v); };
  const inverse = [];
  changes.forEach(function (ch) {
    const old = get(ch.kind, ch.id);
    if (ch.op === 'create') { inverse.push({ op: 'delete', kind: ch.kind, id: ch.id }); set(ch.kind, ch.id, Object.assign(defaults(ch.kind), ch.data)); }
    else if (ch.op === 'update') {
      const back = {};
      const dflt = defaults(ch.kind);
      Object.keys(ch.data).forEach(function (k) { back[k] = old && old[k] !== undefined ? clone(old[k]) : (dflt[k] !== undefined ? dflt[k] : null); });
      if (ch.kind !== 'model' && back.position && old && old._unsaved_position) back.position = null;
      inverse.push({ op: 'update', kind: ch.kind, id: ch.id, data: back });
      set(ch.kind, ch.id, Object.assign({}, old, ch.data));
    } else if (ch.op === 'delete') {
      const data = clone(old); if (data) { delete data._unsaved_position; delete data.id; }
      inverse.push({ op: 'create', kind: ch.kind, id: ch.id, data: data || {} });
      set(ch.kind, ch.id, null);
    }
  });
  return inverse.reverse();
}
export function wireChanges(changes) {
  return changes.map(function (ch) {
    const out = { op: ch.op, kind: ch.kind, id: ch.id };
    if (ch.op !== 'delete') {
      out.data = {};
      Object.keys(ch.data || {}).forEach(function (k) { if (k.charAt(0) !== '_') out.data[k] = ch.data[k]; });
      delete out.data.id;
    }
    if (ch.kind === 'model') delete out.id;
    return out;
  });
}
