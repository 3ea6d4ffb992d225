// Committing edits: no-op filtering, the undo entry, and the serialised save queue against the change-set API.
import { applyLocal, invert, positionChange, wireChanges } from './changes.js';
import { CONFIG, READONLY } from './config.js';
import { announce, csrf } from './dom.js';
import { emit } from './events.js';
import { persistHistory } from './history.js';
import { state } from './state.js';

export let saveChain = Promise.resolve();
// The revision, the save state and the buttons are views: they listen to 'status'.
function updateRevisionUI() { emit('status'); }
// Updates that set what is already there are dropped (the server refuses a change set that changes nothing).
export function same(a, b) { return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b); }
function withoutNoOps(changes) {
  const touched = {};
  changes.forEach(function (ch) { if (ch.op !== 'update') touched[ch.kind + '\u0000' + ch.id] = true; });
  return changes.map(function (ch) {
    if (ch.op !== 'update' || touched[ch.kind + '\u0000' + ch.id]) return ch;
    const current = ch.kind === 'model' ? state.info : state.elements[ch.kind].get(ch.id);
    if (!current) return ch;
    const data = {};
    Object.keys(ch.data || {}).forEach(function (k) { if (!same(current[k], ch.data[k]) || (k === 'position' && current._unsaved_position)) data[k] = ch.data[k]; });
    return Object.keys(data).length ? { op: 'update', kind: ch.kind, id: ch.id, data: data } : null;
  }).filter(Boolean);
}
function unsavedPositionChanges(changes) {
  const skip = {};
  changes.forEach(function (ch) { if (ch.op !== 'update' || (ch.data && ch.data.position)) skip[ch.id] = true; });
  const out = [];
  ['component', 'boundary'].forEach(function (kind) {
    state.elements[kind].forEach(function (item) {
      if (!item._unsaved_position || skip[item.id]) return;
      if (item.position) out.push(positionChange(kind, item.id, item.position));
    });
  });
  return out;
}
export function commit(changes, label, opts) {
  opts = opts || {};
  if (READONLY) { announce('This model is read-only for you.', 'error'); return false; }
  if (state.conflict) { emit('conflict', null); return false; }
  changes = withoutNoOps(changes);
  if (!changes.length) return false;
  if (state.unsavedLayout && opts.layout !== false) {
    // the layout computed on open is saved with the first edit, so the diagram reopens as it is seen now
    changes = changes.concat(unsavedPositionChanges(changes));
    state.unsavedLayout = false;
    emit('status');
  }
  const inverse = invert(changes);
  applyLocal(changes);
  const entry = { changes: changes, inverse: inverse, label: label };
  if (opts.history !== false) { state.undo.push(entry); if (!opts.keepRedo) state.redo = []; }
  persistHistory();
  enqueueSave(changes, label, entry, opts);
  return true;
}
export function enqueueSave(changes, label, entry) {
  state.pending++;
  updateRevisionUI();
  saveChain = saveChain.then(function () { return save(changes, label, entry); })
    .catch(function (err) { announce('Saving failed: ' + (err && err.message ? err.message : err), 'error'); })
    .then(function () { state.pending--; persistHistory(); updateRevisionUI(); });
}
function post(changes, label) {
  return fetch(CONFIG.urls.changesets, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf() },
    body: JSON.stringify({ base_revision: state.revision, message: label, changes: wireChanges(changes) })
  }).then(function (resp) {
    return resp.json().catch(function () { return {}; }).then(function (body) { return { status: resp.status, body: body }; });
  });
}
// One edit is one change set (one revision, one undo step): the server writes creations and updates before
// deletions, so a set may release references (e.g. members leave a boundary) and delete what they pointed at.
export function save(changes, label, entry) {
  if (state.conflict) return Promise.resolve();
  const t0 = performance.now();
  announce('Saving: ' + label + '…');
  return post(changes, label).then(function (res) {
    const body = res.body;
    if (res.status === 201 || res.status === 200) {
      state.revision = body.revision;
      state.saves++;
      updateRevisionUI();
      announce('Saved: ' + label + ' (revision ' + state.revision + ').', 'ok');
      return Promise.all(emit('saved', t0));
    }
    if (res.status === 409) {
      state.conflict = true;
      emit('conflict', body);
      return null;
    }
    // refused: put the diagram back as it was and say why
    applyLocal(entry.inverse);
    const at = state.undo.indexOf(entry); if (at >= 0) state.undo.splice(at, 1);
    persistHistory();
    const errors = (body.errors || []).map(function (e) { return (e.path ? e.path + ': ' : '') + e.message; });
    announce('Not saved (' + res.status + '): ' + (body.detail || 'refused') + (errors.length ? ' — ' + errors.join('; ') : ''), 'error');
    return null;
  });
}
