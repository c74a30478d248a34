// Finds n such that SHA-256(salt + n) equals the challenge (ALTCHA protocol).
"use strict";
var encoder = new TextEncoder();

function hex(buffer) {
  var bytes = new Uint8Array(buffer), out = "";
  for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

self.onmessage = async function (event) {
  var c = event.data;
  if (!c || c.algorithm !== "SHA-256") { self.postMessage({ number: null }); return; }
  var max = Math.min(Number(c.maxNumber) || 1000000, 10000000);
  for (var n = 0; n <= max; n++) {
    var digest = await crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n));
    if (hex(digest) === c.challenge) { self.postMessage({ number: n }); return; }
  }
  self.postMessage({ number: null });
};
