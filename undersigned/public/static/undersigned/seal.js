// Sealing in the browser (issue 19, item 3): libsodium's crypto_box_seal, so that the
// organisers' private key opens it exactly as it opens what the server seals
// (PyNaCl's SealedBox). Needs vendor/nacl-fast.min.js (tweetnacl) and vendor/blake2b.js
// (blakejs), both from npm, loaded before this file.
//   box = ephemeral public key (32 bytes) || crypto_box(message, nonce, pk, ephemeral sk)
//   nonce = BLAKE2b-192(ephemeral public key || pk)
(function () {
  "use strict";
  if (!window.nacl || !window.blakejs) return;

  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  function seal(publicKeyBase64, text) {
    var pk = decode(publicKeyBase64);
    if (pk.length !== nacl.box.publicKeyLength) throw new Error("not a public key");
    var message = new TextEncoder().encode(text);
    var ephemeral = nacl.box.keyPair();
    var nonce = blakejs.blake2b(concat(ephemeral.publicKey, pk), null, nacl.box.nonceLength);
    var box = nacl.box(message, nonce, pk, ephemeral.secretKey);
    ephemeral.secretKey.fill(0);
    return encode(concat(ephemeral.publicKey, box));
  }

  function decode(base64) {
    var raw = atob(base64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function encode(bytes) {
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw);
  }

  window.undersignedSeal = seal;

  // The sign form: the fields its chosen visibility does not show are sealed here and only
  // the box is sent. "Initials" still sends the name (the server makes the initials), and
  // with no choice made the server applies its default and seals, as without JavaScript.
  var SEALED = { "2": ["city", "affiliation"], "3": ["city", "affiliation"],
                 "4": ["name", "city", "affiliation"] };
  var forms = document.querySelectorAll("form[data-seal-key]");
  for (var i = 0; i < forms.length; i++) wire(forms[i]);

  function wire(form) {
    var key = form.getAttribute("data-seal-key");
    var box = form.querySelector("input[name=sealed_box]");
    if (!key || !box) return;
    form.addEventListener("submit", function () {
      if (form.hasAttribute("data-sealed")) return;  // a second press while the proof runs
      var level = form.querySelector("input[name=visibility]:checked");
      var names = level && SEALED[level.value];
      if (!names) return;
      var fields = {}, inputs = [];
      names.forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        if (input) { fields[name] = input.value.trim(); inputs.push(input); }
      });
      // Without a name the server must say so: nothing is sealed, the form goes as it is.
      if (names.indexOf("name") >= 0 && !fields.name) return;
      try { box.value = seal(key, JSON.stringify(fields)); } catch (e) { box.value = ""; return; }
      // Sent without a name attribute, a field's value stays on screen but not in the request.
      inputs.forEach(function (input) {
        input.setAttribute("data-sealed-name", input.name);
        input.removeAttribute("name");
      });
      form.setAttribute("data-sealed", "");
    });
    // Back in the history: the fields are the signer's to send again.
    window.addEventListener("pageshow", function () {
      var detached = form.querySelectorAll("[data-sealed-name]");
      for (var j = 0; j < detached.length; j++) {
        detached[j].name = detached[j].getAttribute("data-sealed-name");
        detached[j].removeAttribute("data-sealed-name");
      }
      form.removeAttribute("data-sealed");
      box.value = "";
    });
  }
})();
