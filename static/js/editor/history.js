// The undo/redo history kept in sessionStorage, so that it survives a reload of the page in the same tab.
// It is only taken back while the model is still at the revision it was stored at (nobody saved meanwhile).
import { CONFIG } from './config.js';
import { state } from './state.js';

const LIMIT = 200;  // entries per stack kept across a reload
function key() { return 'trustmap-history:' + (CONFIG && CONFIG.model_id); }
export function persistHistory() {
  try {
    if (state.pending) return;  // stored once the save has its revision (save.js calls this again then)
    const trim = function (list) { return list.slice(-LIMIT).map(function (e) { return { changes: e.changes, inverse: e.inverse, label: e.label }; }); };
    window.sessionStorage.setItem(key(), JSON.stringify({ revision: state.revision, undo: trim(state.undo), redo: trim(state.redo) }));
  } catch (e) { /* storage full or disabled: the history lives as long as the page */ }
}
export function restoreHistory() {
  let stored = null;
  try { stored = JSON.parse(window.sessionStorage.getItem(key()) || 'null'); } catch (e) { stored = null; }
  if (!stored || stored.revision !== state.revision) return false;
  state.undo = stored.undo || [];
  state.redo = stored.redo || [];
  return state.undo.length + state.redo.length > 0;
}
