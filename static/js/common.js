/* Small helpers shared by the page scripts (no data ever goes through innerHTML). */
(function () {
  'use strict';
  var csrf = function () {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector('input[name=csrfmiddlewaretoken]');
    return input ? input.value : '';
  };
  var el = function (tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  var api = function (method, url, body) {
    var headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRFToken'] = csrf();
    return fetch(url, { method: method, credentials: 'same-origin', headers: headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (resp) {
        return resp.text().then(function (text) {
          var data = null; try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text.slice(0, 200) }; }
          return { ok: resp.ok, status: resp.status, data: data };
        });
      });
  };
  var errorText = function (res) {
    var d = res.data || {};
    var parts = [d.detail || ('HTTP ' + res.status)];
    (d.errors || []).forEach(function (e) { parts.push((e.path ? e.path + ': ' : '') + e.message); });
    Object.keys(d).forEach(function (k) { if (k !== 'detail' && k !== 'errors' && Array.isArray(d[k])) parts.push(k + ': ' + d[k].join(' ')); });
    return parts.join(' — ');
  };
  var readJSON = function (id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; };
  window.tm = { csrf: csrf, el: el, api: api, errorText: errorText, readJSON: readJSON,
    clear: function (n) { while (n.firstChild) n.removeChild(n.firstChild); } };
})();
