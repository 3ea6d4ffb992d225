// The palette: arming a kind and placing it by click, Enter or drag and drop.
import { container, cy } from './canvas.js';
import { READONLY } from './config.js';
import { announce } from './dom.js';
import { addBoundary, addComponent } from './edit.js';
import { clearPath } from './findings.js';
import { state } from './state.js';

export function setArmed(what) {
  state.armed = what;
  document.querySelectorAll('.palette [data-kind]').forEach(function (b) { b.setAttribute('aria-pressed', b.dataset.kind === what ? 'true' : 'false'); });
  container.classList.toggle('placing', !!what);
  if (what) announce('Click on the diagram to place the ' + what.replace(/-/g, ' ') + ' (Enter on the button again places it in the middle, Esc cancels).');
}

export function initPalette() {
  document.querySelectorAll('.palette [data-kind]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (READONLY) return;
      const what = b.dataset.kind;
      if (state.armed === what) { setArmed(null); if (what === 'boundary') addBoundary(null); else addComponent(what, null); return; }
      setArmed(what);
    });
    b.setAttribute('draggable', 'true');
    b.addEventListener('dragstart', function (ev) { ev.dataTransfer.setData('text/x-trustmap-kind', b.dataset.kind); ev.dataTransfer.effectAllowed = 'copy'; });
  });
  container.addEventListener('dragover', function (ev) { if (!READONLY) { ev.preventDefault(); ev.dataTransfer.dropEffect = 'copy'; } });
  container.addEventListener('drop', function (ev) {
    const what = ev.dataTransfer.getData('text/x-trustmap-kind');
    if (!what || READONLY) return;
    ev.preventDefault();
    const rect = container.getBoundingClientRect();
    const pan = cy.pan(), zoom = cy.zoom();
    const pos = { x: (ev.clientX - rect.left - pan.x) / zoom, y: (ev.clientY - rect.top - pan.y) / zoom };
    if (what === 'boundary') addBoundary(pos); else addComponent(what, pos);
  });
  cy.on('tap', function (ev) {
    if (state.armed && (ev.target === cy || (ev.target.hasClass && ev.target.hasClass('boundary')))) {
      const what = state.armed, pos = ev.position; setArmed(null);
      // after Cytoscape has finished the tap (a tap on the background clears the selection last)
      setTimeout(function () { if (what === 'boundary') addBoundary(pos); else addComponent(what, pos); }, 0);
    } else if (ev.target === cy) {
      clearPath();
    }
  });
}
