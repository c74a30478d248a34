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
})();
