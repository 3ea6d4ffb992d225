// Toolbar buttons, PNG export and keyboard shortcuts.
import { big, container, cy, fitView, showLabels, ZONES } from './canvas.js';
import { copySelection, paste } from './clipboard.js';
import { READONLY } from './config.js';
import { connectMode, setConnectMode } from './connect.js';
import { $, announce, el } from './dom.js';
import { nudge } from './drag.js';
import { deleteSelection } from './edit.js';
import { on } from './events.js';
import { redo, undo } from './ops.js';
import { clearPath } from './findings.js';
import { saveLayout, tidyUp } from './layout.js';
import { setArmed } from './palette.js';
import { selectIds } from './selection.js';
import { selection, state } from './state.js';

function download(href, name) { const a = el('a', { href: href, download: name }); document.body.appendChild(a); a.click(); a.remove(); }
function exportPng() {
  showLabels();
  const blob = cy.png({ full: true, scale: big ? 1 : 2, bg: '#ffffff', output: 'blob', maxWidth: 8000, maxHeight: 8000 });
  const url = URL.createObjectURL(blob);
  download(url, (state.info.name || 'model').replace(/[^A-Za-z0-9._-]+/g, '-') + '-r' + state.revision + '.png');
  setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  announce('Exported the diagram as PNG.', 'ok');
}

export function updateRevisionUI() {
  document.querySelectorAll('[data-revision]').forEach(function (n) { n.textContent = String(state.revision); });
  const pend = $('#save-state');
  if (pend) pend.textContent = state.pending ? 'Saving…' : (state.conflict ? 'Not saved: conflict' : 'All changes saved');
  updateButtons();
}
export function updateButtons() {
  const set = function (name, enabled) { const b = document.querySelector('[data-testid="' + name + '"]'); if (b) b.disabled = !enabled; };
  set('tool-undo', !READONLY && state.undo.length > 0 && !state.conflict);
  set('tool-redo', !READONLY && state.redo.length > 0 && !state.conflict);
  const tidy = document.querySelector('[data-testid="tool-tidy"]');
  if (tidy && ZONES) { tidy.disabled = true; tidy.title = 'Too large for the layered layout in the browser: this model opens on a grid by boundary.'; }
  const sl = document.querySelector('[data-testid="tool-save-layout"]');
  if (sl) sl.hidden = READONLY || !state.unsavedLayout;
}
function typing(t) { return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable); }

export function initToolbar() {
  on('status', updateRevisionUI);
  const tools = {
    'tool-select': function () { setConnectMode(false); setArmed(null); },
    'tool-connect': function () { setConnectMode(!connectMode); },
    'tool-undo': undo, 'tool-redo': redo, 'tool-delete': deleteSelection, 'tool-copy': copySelection, 'tool-paste': paste,
    'tool-zoom-in': function () { cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } }); },
    'tool-zoom-out': function () { cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: container.clientWidth / 2, y: container.clientHeight / 2 } }); },
    'tool-fit': function () { fitView(); },
    'tool-tidy': function () { tidyUp({ save: !READONLY }); },
    'tool-save-layout': saveLayout,
    'tool-png': exportPng
  };
  Object.keys(tools).forEach(function (name) {
    const b = document.querySelector('[data-testid="' + name + '"]');
    if (b) b.addEventListener('click', function () { tools[name](); });
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') {
      if (ev.target.closest && ev.target.closest('dialog')) return;
      const busy = connectMode || state.armed || state.highlightedPath;
      if (connectMode) setConnectMode(false);
      if (state.armed) { setArmed(null); announce('Cancelled.'); }
      clearPath();
      if (!busy && !typing(ev.target) && selection.ids.length) selectIds([], { noCenter: true });
      return;
    }
    if (typing(ev.target)) return;
    if (ev.target.closest && ev.target.closest('dialog')) return;
    const mod = ev.ctrlKey || ev.metaKey;
    const k = ev.key.toLowerCase();
    if (mod && k === 'z' && !ev.shiftKey) { ev.preventDefault(); undo(); }
    else if (mod && (k === 'y' || (k === 'z' && ev.shiftKey))) { ev.preventDefault(); redo(); }
    else if (mod && k === 'c') { copySelection(); }
    else if (mod && k === 'v') { ev.preventDefault(); paste(); }
    else if (mod && k === 'a' && (ev.target === container || container.contains(ev.target))) { ev.preventDefault(); cy.elements().select(); }
    else if ((ev.key === 'Delete' || ev.key === 'Backspace') && selection.ids.length && !READONLY) { ev.preventDefault(); deleteSelection(); }
    else if (ev.key.indexOf('Arrow') === 0 && (ev.target === container || container.contains(ev.target)) && cy.$('node:selected').nonempty() && !READONLY) {
      ev.preventDefault();
      const step = ev.shiftKey ? 50 : 10;
      nudge(ev.key === 'ArrowLeft' ? -step : ev.key === 'ArrowRight' ? step : 0, ev.key === 'ArrowUp' ? -step : ev.key === 'ArrowDown' ? step : 0);
    } else if ((ev.key === '+' || ev.key === '=') && ev.target === container) { tools['tool-zoom-in'](); }
    else if (ev.key === '-' && ev.target === container) { tools['tool-zoom-out'](); }
    else if (ev.key === '0' && ev.target === container) { tools['tool-fit'](); }
  });
  container.addEventListener('mousedown', function () { if (document.activeElement !== container) container.focus({ preventScroll: true }); });

}
