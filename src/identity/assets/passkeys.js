// Passkey buttons on the login and account pages. WebAuthn needs JavaScript, so the buttons are
// hidden in the HTML and shown here only when the browser supports passkeys; everything else on
// those pages works without this file. The ceremony itself is @simplewebauthn/browser (loaded
// before this file as window.SimpleWebAuthnBrowser); the server checks every answer.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;
  var post = window.tsunaguPostJson;

  // A cancelled or failed ceremony: say so next to the button (role="alert"), keep the page usable.
  function showError(root) {
    var box = root.querySelector('[data-passkey-error]');
    if (box) box.hidden = false;
  }

  document.querySelectorAll('[data-module="passkey-login"]').forEach(function (root) {
    root.hidden = false;
    var button = root.querySelector('[data-passkey-login]');
    button.addEventListener('click', function () {
      button.disabled = true;
      var secondFactor = root.getAttribute('data-second-factor') === 'true';
      post('/login/passkey/options', { secondFactor: secondFactor })
        .then(function (started) {
          return lib.startAuthentication({ optionsJSON: started.options }).then(function (response) {
            return post('/login/passkey', { challengeId: started.challengeId, response: response, secondFactor: secondFactor, return: root.getAttribute('data-return') || '/account' });
          });
        })
        .then(function (done) {
          window.location.assign(done.redirect);
        })
        .catch(function (error) {
          button.disabled = false;
          showError(root);
        });
    });
  });

  document.querySelectorAll('[data-module="passkey-register"]').forEach(function (root) {
    root.hidden = false;
    var button = root.querySelector('[data-passkey-register]');
    button.addEventListener('click', function () {
      button.disabled = true;
      post('/account/passkeys/options', {})
        .then(function (started) {
          return lib.startRegistration({ optionsJSON: started.options }).then(function (response) {
            return post('/account/passkeys', { challengeId: started.challengeId, response: response, name: navigator.platform || 'passkey' });
          });
        })
        .then(function () {
          window.location.assign('/account?done=passkey');
        })
        .catch(function (error) {
          button.disabled = false;
          showError(root);
        });
    });
  });
})();
