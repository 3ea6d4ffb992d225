// Selection and the text view (accessible lists of the elements).
import { cy } from './canvas.js';
import { $, clear, el } from './dom.js';
import { emit, on } from './events.js';
import { displayName, getEl, selection, state, worst } from './state.js';

// Elements without a canvas shape (data assets, identities, grants, controls) selected from the lists: they
// stay selected while the canvas selection is empty.
let offCanvas = null;
function selectionChanged() { emit('selection'); markTextSelection(); }
// Replaces the selection (an empty list clears it); opts.focusName focuses the name field of the new element.
export function selectIds(ids, opts) {
  opts = opts || {};
  const known = ids.filter(function (id) { return getEl(id); });
  let coll = cy.collection();
  known.forEach(function (id) { const e = cy.$id(id); if (e.nonempty()) coll = coll.union(e); });
  offCanvas = coll.empty() && known.length ? known : null;
  state.focusName = !!opts.focusName;
  cy.batch(function () { cy.elements(':selected').not(coll).unselect(); coll.select(); });
  if (coll.nonempty() && !opts.noCenter) cy.animate({ fit: { eles: coll, padding: 120 }, duration: 250 });
  selection.ids = coll.nonempty() ? coll.map(function (e) { return e.id(); }) : known;
  selectionChanged();
}
const META = {
  component: function (x) { return x.kind; },
  flow: function (x) { return x.protocol + ', ' + x.encryption; },
  boundary: function (x) { return x.kind + ', ' + x.trust_level; },
  data_asset: function (x) { return x.classification + (x.pii ? ', PII' : '') + (x.credentials ? ', credentials' : ''); },
  identity: function (x) { return x.kind + (x.mfa ? ', MFA' : ''); },
  grant: function (x) { return (x.actions || []).join(' ') + (x.scope ? ' · ' + x.scope : ''); },
  control: function (x) { return x.status; }
};
let selectionTimer = null;
const TEXT_LIMIT = 400;
let textFilter = '';
export function renderTextView() {
  const lists = [['component', '#text-components'], ['flow', '#text-flows'], ['boundary', '#text-boundaries'], ['data_asset', '#text-data'], ['identity', '#text-identities'], ['grant', '#text-grants'], ['control', '#text-controls']];
  lists.forEach(function (pair) {
    const list = $(pair[1]); if (!list) return;
    clear(list);
    let items = Array.from(state.elements[pair[0]].values());
    const q = textFilter.toLowerCase();
    if (q) items = items.filter(function (x) { return (x.id + ' ' + displayName(x, pair[0])).toLowerCase().indexOf(q) >= 0; });
    const count = $(pair[1] + '-count'); if (count) count.textContent = String(items.length);
    items.slice(0, TEXT_LIMIT).forEach(function (x) {
      const li = el('li', { role: 'option', id: 'tv-' + pair[0] + '-' + x.id, 'aria-selected': selection.ids.indexOf(x.id) >= 0 ? 'true' : 'false', 'data-id': x.id, tabindex: '-1' });
      li.appendChild(el('span', { class: 'tv-name' }, displayName(x, pair[0])));
      const meta = META[pair[0]](x);
      li.appendChild(el('span', { class: 'muted tv-meta' }, ' ' + meta));
      const fs = state.findingsByElement[x.id];
      if (fs && fs.length) { const w = worst(fs); li.appendChild(el('span', { class: 'sev sev-' + w, title: fs.length + ' open finding' + (fs.length === 1 ? '' : 's') + ', the worst ' + w }, fs.length + ' finding' + (fs.length === 1 ? '' : 's') + ' · ' + w)); }
      list.appendChild(li);
    });
    if (items.length > TEXT_LIMIT) list.appendChild(el('li', { class: 'muted', role: 'presentation' }, (items.length - TEXT_LIMIT) + ' more — type in the filter to narrow the list.'));
  });
}
function markTextSelection() {
  document.querySelectorAll('.textview [aria-selected="true"]').forEach(function (n) { n.setAttribute('aria-selected', 'false'); });
  selection.ids.forEach(function (id) {
    document.querySelectorAll('.textview li[data-id="' + CSS.escape(id) + '"]').forEach(function (n) { n.setAttribute('aria-selected', 'true'); });
  });
  if (selection.ids.length === 1) {
    const n = document.querySelector('.textview li[data-id="' + CSS.escape(selection.ids[0]) + '"]');
    // scroll the list only, never the page (a click on the canvas must not move the canvas away)
    const list = n && n.parentElement;
    if (list && !list.contains(document.activeElement)) {
      if (n.offsetTop < list.scrollTop) list.scrollTop = n.offsetTop;
      else if (n.offsetTop + n.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = n.offsetTop + n.offsetHeight - list.clientHeight;
    }
  }
}

export function initSelection() {
  on('applied', function () {
    const kept = selection.ids.filter(function (id) { return getEl(id); });
    if (kept.length !== selection.ids.length) { selection.ids = kept; if (offCanvas) offCanvas = kept.length ? kept : null; emit('selection'); }
    renderTextView(); markTextSelection();
  });
  on('assessed', function () { renderTextView(); markTextSelection(); });
  cy.on('tap', function (ev) { if (ev.target === cy && offCanvas) { offCanvas = null; selection.ids = []; selectionChanged(); } });
  cy.on('select unselect', function () {
    if (selectionTimer) return;
    selectionTimer = setTimeout(function () {
      selectionTimer = null;
      const ids = cy.$(':selected').map(function (e) { return e.id(); });
      if (ids.length) offCanvas = null;
      selection.ids = ids.length || !offCanvas ? ids : offCanvas.filter(function (id) { return getEl(id); });
      selectionChanged();
    }, 0);
  });
  document.querySelectorAll('.textview ul[role=listbox]').forEach(function (list) {
    list.addEventListener('click', function (ev) {
      const li = ev.target.closest('li[data-id]'); if (!li) return;
      const id = li.dataset.id;
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) {
        const e = cy.$id(id); if (e.nonempty()) { e.selected() ? e.unselect() : e.select(); return; }
      }
      selectIds([id], { noCenter: false });
      li.focus();
    });
    list.addEventListener('keydown', function (ev) {
      const items = Array.from(list.querySelectorAll('li[data-id]'));
      const i = items.indexOf(document.activeElement);
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault(); ev.stopPropagation();
        const next = items[Math.max(0, Math.min(items.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)))] || items[0];
        if (next) { next.focus(); next.click(); }
      } else if (ev.key === 'Enter' && i >= 0) { ev.preventDefault(); const first = $('#properties input:not([readonly]), #properties select, #properties textarea'); if (first) first.focus(); }
    });
    list.addEventListener('focus', function () { if (!list.querySelector('li[data-id]:focus')) { const f = list.querySelector('li[aria-selected="true"]') || list.querySelector('li[data-id]'); if (f) f.focus(); } });
  });
  const filterInput = $('#text-filter');
  if (filterInput) filterInput.addEventListener('input', function () { textFilter = filterInput.value; renderTextView(); markTextSelection(); });
}
