// Small DOM helpers and the status line.
export function $(sel, root) { return (root || document).querySelector(sel); }
export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  if (attrs) Object.keys(attrs).forEach(function (k) {
    if (k === 'class') node.className = attrs[k];
    else if (k === 'dataset') Object.keys(attrs[k]).forEach(function (d) { node.dataset[d] = attrs[k][d]; });
    else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
  });
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
export function clear(node) { while (node && node.firstChild) node.removeChild(node.firstChild); }
export function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
export function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (m) return decodeURIComponent(m[1]);
  const input = document.querySelector('input[name=csrfmiddlewaretoken]');
  return input ? input.value : '';
}

const statusEl = $('#editor-status');
export function announce(msg, kind) {
  if (!statusEl) return;
  statusEl.textContent = msg;
  statusEl.dataset.kind = kind || 'info';
}
