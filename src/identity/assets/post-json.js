// The identity pages' scripts post JSON to the server the same way: same-origin cookies, the
// page's CSRF token (meta csrf-token) as x-csrf-token, and an Error with the server's message when
// the answer is not OK. Loaded before passkeys.js and card-simulator.js.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  window.tsunaguPostJson = function (url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token, accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.message || json.detail || json.title || String(response.status));
        return json;
      });
    });
  };
})();
