// The page's embedded configuration (json_script blocks) and the fixed vocabulary of the editor.
export const T0 = performance.now();
const readJSON = function (id) { const node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; };
export const CONFIG = readJSON('editor-config');
export const VOCAB = readJSON('editor-vocabulary');
export const INITIAL = readJSON('editor-document');
// Without its configuration, document or Cytoscape the editor does not start (main.js checks this).
export const ENABLED = !!(CONFIG && INITIAL && window.cytoscape);
export const READONLY = ENABLED ? (!!CONFIG.readonly || !CONFIG.can_edit) : true;
export const KINDS = ENABLED ? VOCAB.kinds : {};
export const KIND_OF = {};
Object.keys(KINDS).forEach(function (k) { KIND_OF[KINDS[k].collection] = k; });
export const VISUAL = { boundary: true, component: true, flow: true };
// Severities, most severe first, as the page vocabulary gives them (threatmodel/editor.py); the colours below are
// keyed by them (tests/foundation/test_vocabulary_agreement.py checks that the keys agree).
export const SEVERITIES = VOCAB && VOCAB.severities ? VOCAB.severities : [];
export const SEV_RANK = {};
SEVERITIES.forEach(function (s, i) { SEV_RANK[s] = i; });
export const SEV_COLOR = { critical: '#9f1239', high: '#dc2626', medium: '#d97706', low: '#2563eb', info: '#64748b' };
export const KIND_STYLE = {
  'service': ['round-rectangle', '#dbeafe', '#1d4ed8'],
  'web-frontend': ['round-rectangle', '#ccfbf1', '#0f766e'],
  'api-gateway': ['round-hexagon', '#e0e7ff', '#4338ca'],
  'load-balancer': ['rhomboid', '#e0e7ff', '#4338ca'],
  'datastore': ['barrel', '#fef3c7', '#b45309'],
  'queue': ['cut-rectangle', '#fae8ff', '#a21caf'],
  'cache': ['bottom-round-rectangle', '#ffedd5', '#c2410c'],
  'serverless-function': ['round-tag', '#dcfce7', '#15803d'],
  'external-entity': ['rectangle', '#f1f5f9', '#334155'],
  'human-user': ['ellipse', '#f1f5f9', '#334155'],
  'identity-provider': ['round-octagon', '#ede9fe', '#6d28d9'],
  'secret-store': ['barrel', '#fee2e2', '#991b1b'],
  'logging': ['round-rectangle', '#f5f5f4', '#57534e'],
  'analytics': ['round-rectangle', '#fce7f3', '#9d174d'],
  'batch-job': ['rectangle', '#ecfccb', '#4d7c0f']
};
export const TRUST_COLOR = { unspecified: '#64748b', untrusted: '#dc2626', low: '#ea580c', medium: '#2563eb', high: '#16a34a' };
export const NODE_W = 150, NODE_H = 50;
