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

  // The initials rule of lib/visibility.py, on the name as the server would keep it (NFC,
  // stripped): the first letter of each word and a dot. Words split where Python's
  // str.split() splits; letters are Unicode's (\p{L}, Python's isalpha()). Both are
  // tested against the same vectors (lib/tests/initials.json).
  var SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  var LETTER = null;
  try { LETTER = new RegExp("\\p{L}", "u"); } catch (e) { /* an old browser: no initials */ }

  function initials(name) {
    var out = "";
    name.trim().normalize("NFC").split(SPACE).forEach(function (word) {
      var chars = Array.from(word);  // by code point, as Python counts
      for (var i = 0; i < chars.length; i++) {
        if (LETTER.test(chars[i])) { out += chars[i] + "."; return; }
      }
    });
    return out;
  }
  if (LETTER) window.undersignedInitials = initials;

  // What each form seals: for the sign form, the fields its chosen visibility does not
  // show; "initials" seals the name too and sends the initials made here. With no choice
  // made the server applies its default and seals, as without JavaScript. The endorse
  // form seals the contact's name (its fields carry the prefix "org-").
  var SEALED = { "2": ["city", "affiliation"], "3": ["name", "city", "affiliation"],
                 "4": ["name", "city", "affiliation"] };

  function signPlan(form) {
    var level = form.querySelector("input[name=visibility]:checked");
    var names = level && SEALED[level.value];
    if (!names) return null;
    var made = form.querySelector("input[name=initials]");
    if (level.value === "3") {
      var name = form.querySelector("[name=name]");
      var text = LETTER && made && name ? initials(name.value) : "";
      // No letter to make initials of: the server makes them, as without JavaScript.
      if (!text) names = ["city", "affiliation"];
      else if (made) made.value = text;
    }
    return { prefix: "", names: names, required: "name" };
  }

  function endorsePlan() {
    return { prefix: "org-", names: ["contact_name"], required: "contact_name" };
  }

  var forms = document.querySelectorAll("form[data-seal-key]");
  for (var i = 0; i < forms.length; i++) wire(forms[i]);

  function wire(form) {
    var key = form.getAttribute("data-seal-key");
    var box = form.querySelector("input[name$=sealed_box]");
    var made = form.querySelector("input[name=initials]");
    var plan = form.getAttribute("data-seal") === "endorse" ? endorsePlan : signPlan;
    if (!key || !box) return;
    form.addEventListener("submit", function () {
      if (form.hasAttribute("data-sealed")) return;  // a second press while the proof runs
      var chosen = plan(form);
      if (!chosen) return;
      var fields = {}, inputs = [];
      chosen.names.forEach(function (name) {
        var input = form.querySelector("[name=\"" + chosen.prefix + name + "\"]");
        // NFC, as the initials are made (initials()): the target reads the same letters.
        if (input) { fields[name] = input.value.trim().normalize("NFC"); inputs.push(input); }
      });
      // Without a name the server must say so: nothing is sealed, the form goes as it is.
      if (chosen.names.indexOf(chosen.required) >= 0 && !fields[chosen.required]) {
        if (made) made.value = "";
        return;
      }
      try { box.value = seal(key, JSON.stringify(fields)); } catch (e) {
        box.value = "";
        if (made) made.value = "";
        return;
      }
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
      if (made) made.value = "";
    });
  }
})();
