/* Trustmap diagram editor (Cytoscape.js, native ES modules, no build step). Entry point.
 *
 * The page embeds three JSON blocks (json_script): the model document, the vocabularies (every field of every
 * element kind with its allowed values) and the configuration (API addresses, permissions). All edits are
 * change sets against the API with the revision they were based on; a 409 shows what changed and offers a
 * reload, never overwrites. Data is only ever put into the page with textContent / form values; Cytoscape
 * labels are canvas text. Test hooks live on window.trustmap (they return primitives only).
 *
 * Layers (scripts/check_js_imports.py enforces them and the absence of import cycles; a module imports only
 * from its own layer or a lower one):
 *   base        config (embedded configuration, constants), dom (helpers, status line)
 *   state       state (the model in the page), events (publish/subscribe), changes (apply / invert change
 *               sets), history (undo/redo kept in sessionStorage)
 *   operations  save (commit and the save queue), ops (deletion, undo, redo), fixes (one-click fixes)
 *   views       styles + canvas (Cytoscape), labels (flow label placement), resize (boundary resize handle),
 *               assessment, findings, selection + text view, properties, panels (data assets, identities,
 *               grants, controls), threats (manual threats), conflicts, layout (ELK), edit (placing), drag,
 *               connect, palette, clipboard, toolbar (buttons, keyboard), conformance (flows coloured by the
 *               attached manifests and observed traffic)
 *   entry       main, hooks (test hooks)
 * Lower layers report what happened through events ('applied', 'status', 'saved', 'conflict', 'assessed',
 * 'selection'); the views subscribe in main.js's order.
 */
import { CONFIG, READONLY, ENABLED } from './config.js';
import { announce } from './dom.js';
import { state, initState } from './state.js';
import { restoreHistory } from './history.js';
import { initCanvas } from './canvas.js';
import { initConflicts } from './conflicts.js';
import { initAssessment, refreshAssessment, renderScore } from './assessment.js';
import { initFindings } from './findings.js';
import { renderTextView, initSelection } from './selection.js';
import { initProperties, renderProperties } from './properties.js';
import { initPanels } from './panels.js';
import { initThreats } from './threats.js';
import { initDrag } from './drag.js';
import { initLabels } from './labels.js';
import { initResize } from './resize.js';
import { initConnect } from './connect.js';
import { initPalette } from './palette.js';
import { tidyUp } from './layout.js';
import { updateRevisionUI, initToolbar } from './toolbar.js';
import { initConformance } from './conformance.js';
import { initHooks } from './hooks.js';

function afterReady() {
  renderTextView();
  renderProperties();
  renderScore();
  updateRevisionUI();
  const n = state.elements.component.size;
  const restored = !READONLY && restoreHistory();
  if (restored) updateRevisionUI();
  announce((READONLY ? 'Viewing' : 'Editing') + ' ' + n + ' component' + (n === 1 ? '' : 's') + ' and ' + state.elements.flow.size + ' flow' + (state.elements.flow.size === 1 ? '' : 's') + ' at revision ' + state.revision + '.' + (restored ? ' Undo history restored.' : ''));
  const auto = CONFIG.positions_missing && n > 0 && n <= (CONFIG.auto_layout_limit || 0) && !CONFIG.readonly;
  const chain = auto ? tidyUp({ save: false }) : Promise.resolve();
  chain.then(function () { return CONFIG.urls.live_assessment ? refreshAssessment(null) : null; })
    .then(function () { document.body.dataset.editorSettled = '1'; });
}

if (ENABLED) {
  initState();
  initCanvas(afterReady);  // first: the canvas syncs itself to each change before the other views render
  initAssessment();
  initConflicts();
  initSelection();
  initProperties();
  initFindings();
  initPanels();
  initThreats();
  initDrag();
  initLabels();
  initResize();
  initConnect();
  initPalette();
  initToolbar();
  initConformance();
  initHooks();
}
