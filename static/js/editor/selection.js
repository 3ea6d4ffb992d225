// Selection and the text view (accessible lists of the elements).
import { worst } from './assessment.js';
import { cy } from './canvas.js';
import { $, clear, el } from './dom.js';
import { renderProperties } from './properties.js';
import { displayName, getEl, selection, state } from './state.js';

export function selectIds(ids, opts) {
  cy.elements(':selected').unselect();
  var coll = cy.collection();
  ids.forEach(function (id) { var e = cy.$id(id); if (e.nonempty()) coll = coll.union(e); });
  coll.select();
  if (coll.nonempty() && !(opts && opts.noCenter)) cy.animate({ fit: { eles: coll, padding: 120 }, duration: 250 });
  if (!coll.nonempty() && ids.length === 1 && getEl(ids[0])) { selection.ids = ids.slice(); renderProperties(); renderTextView(); }
}
let selectionTimer = null;
const TEXT_LIMIT = 400;
let textFilter = '';
export function renderTextView() {
  var lists = [['component', '#text-components'], ['flow', '#text-flows'], ['boundary', '#text-boundaries'], ['data_asset', '#text-data'], ['identity', '#text-identities']];
  lists.forEach(function (pair) {
    var list = $(pair[1]); if (!list) return;
    clear(list);
    var items = Array.from(state.elements[pair[0]].values());
    var q = textFilter.toLowerCase();
    if (q) items = items.filter(function (x) { return (x.id + ' ' + displayName(x, pair[0])).toLowerCase().indexOf(q) >= 0; });
    var count = $(pair[1] + '-count'); if (count) count.textContent = String(items.length);
    items.slice(0, TEXT_LIMIT).forEach(function (x) {
      var li = el('li', { role: 'option', id: 'tv-' + pair[0] + '-' + x.id, 'aria-selected': selection.ids.indexOf(x.id) >= 0 ? 'true' : 'false', 'data-id': x.id, tabindex: '-1' });
      li.appendChild(el('span', { class: 'tv-name' }, displayName(x, pair[0])));
      var meta = pair[0] === 'component' ? x.kind : pair[0] === 'flow' ? x.protocol + ', ' + x.encryption : pair[0] === 'boundary' ? x.kind + ', ' + x.trust_level : pair[0] === 'data_asset' ? x.classification : x.kind;
      li.appendChild(el('span', { class: 'muted tv-meta' }, ' ' + meta));
      var fs = state.findingsByElement[x.id];
      if (fs && fs.length) { var w = worst(fs); li.appendChild(el('span', { class: 'sev sev-' + w, title: fs.length + ' open finding' + (fs.length === 1 ? '' : 's') + ', the worst ' + w }, fs.length + ' finding' + (fs.length === 1 ? '' : 's') + ' · ' + w)); }
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
    var n = document.querySelector('.textview li[data-id="' + CSS.escape(selection.ids[0]) + '"]');
    if (n && n.scrollIntoView && !n.closest('.textview').contains(document.activeElement)) n.scrollIntoView({ block: 'nearest' });
  }
}

export function initSelection() {
  cy.on('select unselect', function () {
    if (selectionTimer) return;
    selectionTimer = setTimeout(function () {
      selectionTimer = null;
      selection.ids = cy.$(':selected').map(function (e) { return e.id(); });
      renderProperties();
      markTextSelection();
    }, 0);
  });
  document.querySelectorAll('.textview ul[role=listbox]').forEach(function (list) {
    list.addEventListener('click', function (ev) {
      var li = ev.target.closest('li[data-id]'); if (!li) return;
      var id = li.dataset.id;
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) {
        var e = cy.$id(id); if (e.nonempty()) { e.selected() ? e.unselect() : e.select(); return; }
      }
      if (cy.$id(id).nonempty()) selectIds([id], { noCenter: false });
      else { cy.elements(':selected').unselect(); selection.ids = [id]; renderProperties(); markTextSelection(); }
      li.focus();
    });
    list.addEventListener('keydown', function (ev) {
      var items = Array.from(list.querySelectorAll('li[data-id]'));
      var i = items.indexOf(document.activeElement);
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault(); ev.stopPropagation();
        var next = items[Math.max(0, Math.min(items.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)))] || items[0];
        if (next) { next.focus(); next.click(); }
      } else if (ev.key === 'Enter' && i >= 0) { ev.preventDefault(); var first = $('#properties input:not([readonly]), #properties select, #properties textarea'); if (first) first.focus(); }
    });
    list.addEventListener('focus', function () { if (!list.querySelector('li[data-id]:focus')) { var f = list.querySelector('li[aria-selected="true"]') || list.querySelector('li[data-id]'); if (f) f.focus(); } });
  });
  var filterInput = $('#text-filter');
  if (filterInput) filterInput.addEventListener('input', function () { textFilter = filterInput.value; renderTextView(); markTextSelection(); });
}
