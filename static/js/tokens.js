/* API token page: create (the secret is shown once), list, revoke — through /api/v1/tokens/. */
(function () {
  'use strict';
  var T = window.tm, CONFIG = T.readJSON('tokens-config');
  var rows = document.getElementById('token-rows'), status = document.getElementById('token-status');
  var form = document.getElementById('token-form');
  var day = function (v) { return v ? String(v).slice(0, 10) : '—'; };
  var load = function () {
    return T.api('GET', CONFIG.urls.tokens + '?limit=200').then(function (res) {
      T.clear(rows);
      if (!res.ok) { rows.appendChild(T.el('tr')).appendChild(T.el('td', { colspan: '7' }, 'Could not load tokens: ' + T.errorText(res))); return; }
      var items = Array.isArray(res.data) ? res.data : (res.data.results || []);
      if (!items.length) { rows.appendChild(T.el('tr')).appendChild(T.el('td', { colspan: '7', class: 'muted' }, 'No tokens yet.')); return; }
      items.forEach(function (t) {
        var tr = T.el('tr', { 'data-token': t.id });
        tr.appendChild(T.el('td', null, t.name));
        tr.appendChild(T.el('td')).appendChild(T.el('code', null, t.prefix || ''));
        tr.appendChild(T.el('td', null, t.scope));
        tr.appendChild(T.el('td', null, day(t.created_at)));
        tr.appendChild(T.el('td', null, day(t.last_used_at)));
        tr.appendChild(T.el('td', null, t.revoked_at ? 'revoked ' + day(t.revoked_at) : day(t.expires_at)));
        var td = tr.appendChild(T.el('td'));
        if (t.active !== false && !t.revoked_at) {
          var b = T.el('button', { type: 'button', class: 'danger' }, 'Revoke');
          b.setAttribute('aria-label', 'Revoke token ' + t.name);
          b.addEventListener('click', function () {
            if (!window.confirm('Revoke the token "' + t.name + '"? Scripts using it stop working at once.')) return;
            T.api('DELETE', CONFIG.urls.tokens + t.id + '/').then(function (r) {
              status.textContent = r.ok ? 'Revoked ' + t.name + '.' : 'Not revoked: ' + T.errorText(r);
              load();
            });
          });
          td.appendChild(b);
        }
        rows.appendChild(tr);
      });
    });
  };
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var payload = { name: form.name.value, scope: form.scope.value };
    if (form.expires_at.value) payload.expires_at = form.expires_at.value + 'T23:59:59Z';
    T.api('POST', CONFIG.urls.tokens, payload).then(function (res) {
      if (!res.ok) { status.textContent = 'Not created: ' + T.errorText(res); return; }
      document.getElementById('token-secret-value').textContent = res.data.token;
      document.getElementById('token-secret').hidden = false;
      status.textContent = 'Created ' + res.data.name + '.';
      form.reset();
      load();
    });
  });
  load();
})();
