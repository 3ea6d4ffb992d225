// Copy and paste of components, boundaries and the flows between them.
import { cy } from './canvas.js';
import { announce, clone } from './dom.js';
import { viewportCenter } from './edit.js';
import { commit } from './save.js';
import { selectIds } from './selection.js';
import { getEl, idPattern, kindOfId, selection, state } from './state.js';

export function copySelection() {
  const ids = selection.ids.filter(function (id) { const k = kindOfId(id); return k === 'component' || k === 'boundary'; });
  if (!ids.length) { announce('Select components to copy.'); return; }
  const set = new Set(ids);
  cy.$(':selected').descendants().forEach(function (d) { set.add(d.id()); });
  const items = [];
  set.forEach(function (id) { const k = kindOfId(id); items.push({ kind: k, data: clone(getEl(id)) }); });
  state.elements.flow.forEach(function (f) { if (set.has(f.source) && set.has(f.target)) items.push({ kind: 'flow', data: clone(f) }); });
  state.clipboard = items;
  try { localStorage.setItem('trustmap-clipboard', JSON.stringify(items)); } catch (e) { /* private mode */ }
  announce('Copied ' + items.length + ' element' + (items.length === 1 ? '' : 's') + '.', 'ok');
}
export function paste() {
  let items = state.clipboard;
  if (!items) { try { items = JSON.parse(localStorage.getItem('trustmap-clipboard') || 'null'); } catch (e) { items = null; } }
  if (!items || !items.length) { announce('The clipboard is empty.'); return; }
  const map = {}, changes = [];
  const order = { boundary: 0, component: 1, flow: 2 };
  items = items.slice().sort(function (a, b) { return order[a.kind] - order[b.kind]; });
  // boundaries parents first
  items.forEach(function (it) { map[it.data.id] = null; });
  const reserve = new Set();
  const fresh = function (base) { let id; let n = 1; do { id = String(base).replace(/-copy(-\d+)?$/, '') + '-copy' + (n > 1 ? '-' + n : ''); n++; } while (kindOfId(id) || reserve.has(id) || !idPattern.test(id)); reserve.add(id); return id; };
  items.forEach(function (it) { map[it.data.id] = fresh(it.data.id); });
  const bdepth = function (it) { let d = 0, p = it.data.parent; while (p && map[p] !== undefined && d < 50) { d++; const parent = items.find(function (x) { return x.data.id === p; }); p = parent ? parent.data.parent : null; } return d; };
  items.sort(function (a, b) { return (order[a.kind] - order[b.kind]) || (a.kind === 'boundary' ? bdepth(a) - bdepth(b) : 0); });
  items.forEach(function (it) {
    const d = clone(it.data); delete d.id; delete d._unsaved_position;
    if (it.kind === 'component') {
      d.name = d.name + ' (copy)';
      if (d.boundary && map[d.boundary]) d.boundary = map[d.boundary];
      else if (d.boundary && !state.elements.boundary.has(d.boundary)) d.boundary = null;
      const p = cy.$id(it.data.id).nonempty() ? cy.$id(it.data.id).position() : (d.position || viewportCenter());
      d.position = { x: Math.round(p.x + 40), y: Math.round(p.y + 40) };
      if (d.identity && !state.elements.identity.has(d.identity)) d.identity = null;
    } else if (it.kind === 'boundary') {
      d.name = d.name + ' (copy)';
      if (d.parent && map[d.parent]) d.parent = map[d.parent];
      else if (d.parent && !state.elements.boundary.has(d.parent)) d.parent = null;
      const bp = cy.$id(it.data.id).nonempty() ? cy.$id(it.data.id).position() : (d.position || viewportCenter());
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
}
