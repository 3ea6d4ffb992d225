/* Trustmap diagram editor (Cytoscape.js, native ES modules, no build step). Entry point.
 *
 * The page embeds three JSON blocks (json_script): the model document, the vocabularies (every field of every
 * element kind with its allowed values) and the configuration (API addresses, permissions). All edits are
 * change sets against the API with the revision they were based on; a 409 shows what changed and offers a
 * reload, never overwrites. Data is only ever put into the page with textContent / form values; Cytoscape
 * labels are canvas text. Test hooks live on window.trustmap (they return primitives only).
 *
 * Modules: config (embedded configuration, constants), dom (helpers, status line), state (the model in the
 * page), styles + canvas (Cytoscape), changes (apply / invert change sets), save (commit and the save queue),
 * conflicts, assessment (live assessment, badges, score), findings (findings list, attack paths), selection
 * (selection + text view), properties, edit (add / delete / undo / redo), clipboard, drag, connect (drawing
 * flows), palette, layout (ELK), toolbar (buttons, PNG export, keyboard), hooks (test hooks).
 * main.js starts them in the order the single-file editor ran its top-level code.
 */
import { CONFIG, READONLY, ENABLED } from './config.js';
import { announce } from './dom.js';
import { state, initState } from './state.js';
import { initCanvas } from './canvas.js';
import { initConflicts } from './conflicts.js';
import { refreshAssessment, renderScore } from './assessment.js';
import { renderTextView, initSelection } from './selection.js';
import { renderProperties } from './properties.js';
import { updateRevisionUI } from './save.js';
import { initDrag } from './drag.js';
import { initConnect } from './connect.js';
import { initPalette } from './palette.js';
import { tidyUp } from './layout.js';
import { updateButtons, initToolbar } from './toolbar.js';
import { initHooks } from './hooks.js';

function afterReady() {
  renderTextView();
  renderProperties();
  renderScore();
  updateButtons();
  updateRevisionUI();
  var n = state.elements.component.size;
  announce((READONLY ? 'Viewing' : 'Editing') + ' ' + n + ' component' + (n === 1 ? '' : 's') + ' and ' + state.elements.flow.size + ' flow' + (state.elements.flow.size === 1 ? '' : 's') + ' at revision ' + state.revision + '.');
  var auto = CONFIG.positions_missing && n > 0 && n <= (CONFIG.auto_layout_limit || 0) && !CONFIG.readonly;
  var chain = auto ? tidyUp({ save: false }) : Promise.resolve();
  chain.then(function () { return CONFIG.urls.live_assessment ? refreshAssessment(null) : null; })
    .then(function () { document.body.dataset.editorSettled = '1'; });
}

if (ENABLED) {
  initState();
  initCanvas(afterReady);
  initConflicts();
  initSelection();
  initDrag();
  initConnect();
  initPalette();
  initToolbar();
  initHooks();
}
