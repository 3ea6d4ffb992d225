// Drawing flows between components (edgehandles) and connect mode.
import { container, cy } from './canvas.js';
import { READONLY } from './config.js';
import { $, announce } from './dom.js';
import { createFlow } from './edit.js';

let eh = null;
export let connectMode = false;
export function setConnectMode(on) {
  if (!eh) return;
  connectMode = on;
  if (on) eh.enableDrawMode(); else eh.disableDrawMode();
  const b = $('[data-testid="tool-connect"]'); if (b) b.setAttribute('aria-pressed', on ? 'true' : 'false');
  container.classList.toggle('connecting', on);
  announce(on ? 'Connect mode: drag from one component to another to draw a data flow (Esc to stop).' : 'Select mode.');
}

export function initConnect() {
  if (!READONLY && cy.edgehandles) {
    eh = cy.edgehandles({
      canConnect: function (s, t) { return s.hasClass('component') && t.hasClass('component') && s.id() !== t.id(); },
      edgeParams: function () { return { data: { etype: 'draft' }, classes: 'draft' }; },
      hoverDelay: 50, snap: true, snapThreshold: 30, snapFrequency: 15, noEdgeEventsInDraw: true, disableBrowserGestures: true
    });
    cy.on('ehcomplete', function (ev, source, target, added) {
      if (added) added.remove();
      createFlow(source.id(), target.id());
    });
  }
  // Shift-drag from a component also starts a flow
  cy.on('tapstart', 'node.component', function (ev) {
    if (!eh || connectMode) return;
    const oe = ev.originalEvent;
    if (oe && oe.shiftKey && oe.altKey) { eh.start(ev.target); }
  });
}
