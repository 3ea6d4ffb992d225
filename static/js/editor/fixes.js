// One-click fixes: a finding whose rule has a `quick_fix` in its catalog pack (catalog/packs/rules/*.yaml, sent
// in the page vocabulary) becomes one change set on its primary element: fields set, or a control added.
import { VOCAB } from './config.js';
import { same } from './save.js';
import { defaults, displayName, getEl, kindOfId, newId, state } from './state.js';

const FIXES = (VOCAB && VOCAB.quick_fixes) || {};

// { label, message, changes } for the finding, or null when it has none (or it is already in place).
export function quickFixOf(finding) {
  const fix = FIXES[finding.rule];
  const id = (finding.elements || [])[0];
  const kind = id ? kindOfId(id) : null;
  if (!fix || !kind || fix.scope !== kind) return null;
  const item = getEl(id), name = displayName(item, kind);
  if (fix.add_control) {
    let existing = null;
    state.elements.control.forEach(function (c) { if (c.control === fix.add_control && c.target === id) existing = c; });
    if (existing && existing.status === 'implemented') return null;
    const changes = existing
      ? [{ op: 'update', kind: 'control', id: existing.id, data: { status: 'implemented' } }]
      : [{ op: 'create', kind: 'control', id: newId(fix.add_control + '-' + id), data: Object.assign(defaults('control'), { control: fix.add_control, target: id, status: 'implemented' }) }];
    return { label: fix.label, message: fix.label + ' on ' + name, changes: changes };
  }
  const data = {};
  Object.keys(fix.set).forEach(function (k) { if (!same(item[k], fix.set[k])) data[k] = fix.set[k]; });
  if (!Object.keys(data).length) return null;
  return { label: fix.label, message: fix.label + ': ' + name, changes: [{ op: 'update', kind: kind, id: id, data: data }] };
}
