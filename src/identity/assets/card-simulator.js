// The card simulator (development only): stands in for the My Number card and J-LIS's client
// software. It does what the card does (sign the server's challenge with the signature key,
// RSASSA-PKCS1-v1_5 with SHA-256) using a demo card's software key and WebCrypto, then posts the
// certificate and signature exactly as the real client would.
(function () {
  'use strict';
  var form = document.querySelector('[data-module="card-simulator"]');
  if (!form || !window.crypto || !window.crypto.subtle) return;
  var result = form.querySelector('[data-card-result]');

  function bytes(base64) {
    var text = atob(base64.replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  function base64(buffer) {
    var view = new Uint8Array(buffer);
    var text = '';
    for (var i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
    return btoa(text);
  }
  var post = window.tsunaguPostJson;
  function show(message) {
    result.textContent = message;
    result.hidden = false;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var chosen = form.querySelector('input[name="card"]:checked');
    var pin = form.querySelector('input[name="pin"]').value;
    // The signature PIN of a real card: 6 to 16 letters and digits.
    if (!chosen || !/^[A-Za-z0-9]{6,16}$/.test(pin)) {
      show(form.getAttribute('data-pin-message') || 'PIN: 6–16 letters and digits');
      return;
    }
    result.hidden = true;
    // One signature at a time; the button comes back if the card is refused.
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    // A page that signs a document (an application) gives the bytes to sign and where to post them;
    // the login check asks the server for a challenge.
    var signData = form.getAttribute('data-sign-data');
    var started = signData ? Promise.resolve({ challenge: signData }) : post('/login/card/challenge', {});
    Promise.all([fetch('/login/card/demo-cards', { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (r) { return r.json(); }), started])
      .then(function (both) {
        var card = both[0].filter(function (c) { return c.id === chosen.value; })[0];
        var started = both[1];
        return crypto.subtle
          .importKey('pkcs8', bytes(card.privateKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
          .then(function (key) { return crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, bytes(started.challenge)); })
          .then(function (signature) {
            if (signData) return post(form.getAttribute('data-action'), { certificate: card.certificate, signature: base64(signature) });
            return post('/login/card', { challengeId: started.challengeId, certificate: card.certificate, signature: base64(signature), return: form.getAttribute('data-return') || '/account' });
          });
      })
      .then(function (done) { window.location.assign(done.redirect); })
      .catch(function (error) {
        button.disabled = false;
        show(error.message);
      });
  });
})();
