// The 409 conflict dialog and reloading the latest revision.
import { refreshAssessment } from './assessment.js';
import { cy, cyElements } from './canvas.js';
import { CONFIG } from './config.js';
import { $, announce, clear, el } from './dom.js';
import { emit, on } from './events.js';
import { persistHistory } from './history.js';
import { loadDocument, state } from './state.js';

const conflictDialog = $('#conflict-dialog');
let lastConflict = null;
export function showConflict(body) {
  lastConflict = body;
  announce('Conflict: somebody else changed this model (now revision ' + (body.current_revision || '?') + '). Your edit was not saved.', 'error');
  if (!conflictDialog) return;
  $('#conflict-detail').textContent = body.detail || 'The model changed since you opened it.';
  $('#conflict-revision').textContent = String(body.current_revision || '?');
  const list = $('#conflict-diff'); clear(list);
  const elements = (body.diff && body.diff.elements) || [];
  if (!elements.length) list.appendChild(el('li', null, 'The server did not list the changes.'));
  elements.forEach(function (e) {
    const li = el('li', { class: 'diff-' + e.status });
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
  emit('status');
}
export function showConflictAgain() { if (lastConflict) showConflict(lastConflict); }
function reloadLatest() {
  announce('Loading the latest revision…');
  return fetch(CONFIG.urls.document, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
    .then(function (resp) { if (!resp.ok) throw new Error('HTTP ' + resp.status); return resp.json(); })
    .then(function (body) {
      loadDocument(body.document, body.revision);
      cy.batch(function () { cy.elements().remove(); cy.add(cyElements()); });
      state.undo = []; state.redo = []; state.conflict = false; lastConflict = null;
      persistHistory();
      delete document.body.dataset.conflict;
      if (conflictDialog && conflictDialog.open) conflictDialog.close();
      emit('applied', []); emit('status');
      announce('Reloaded revision ' + state.revision + '.', 'ok');
      return refreshAssessment(null);
    })
    .catch(function () { window.location.reload(); });
}

export function initConflicts() {
  on('conflict', function (body) { if (body) showConflict(body); else showConflictAgain(); });
  if (conflictDialog) {
    $('#conflict-reload').addEventListener('click', function () { reloadLatest(); });
    $('#conflict-close').addEventListener('click', function () { conflictDialog.close(); });
  }
}
