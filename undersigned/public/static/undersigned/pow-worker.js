// Finds n such that SHA-256(salt + n) equals the challenge (ALTCHA protocol).
// SHA-256 is computed here, synchronously: crypto.subtle.digest is a promise per number,
// and awaiting 50,000 of them took seconds (about 10 s on a slow machine) where this loop
// takes a fraction of one. The salt's bytes are laid out once; only the digits change.
"use strict";

var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);
var W = new Int32Array(64);
var H = new Int32Array(8);

// SHA-256 of BYTES[0..length), into H. BYTES must have room for the padding.
function sha256(bytes, length) {
  var blocks = ((length + 8) >> 6) + 1, total = blocks * 64, i;
  bytes[length] = 0x80;
  for (i = length + 1; i < total - 4; i++) bytes[i] = 0;
  var bits = length * 8;
  bytes[total - 4] = bits >>> 24; bytes[total - 3] = bits >>> 16;
  bytes[total - 2] = bits >>> 8; bytes[total - 1] = bits;
  H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a;
  H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
  for (var offset = 0; offset < total; offset += 64) {
    for (i = 0; i < 16; i++) {
      var p = offset + i * 4;
      W[i] = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
    }
    for (i = 16; i < 64; i++) {
      var w15 = W[i - 15], w2 = W[i - 2];
      var s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      var s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (i = 0; i < 64; i++) {
      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
  }
}

function words(hex) {
  var out = new Int32Array(8);
  for (var i = 0; i < 8; i++) out[i] = parseInt(hex.substr(i * 8, 8), 16) | 0;
  return out;
}

function solve(salt, challenge, max) {
  var prefix = new TextEncoder().encode(salt);
  var bytes = new Uint8Array(prefix.length + 16 + 72);
  bytes.set(prefix);
  var target = words(challenge);
  for (var n = 0; n <= max; n++) {
    var digits = String(n), length = prefix.length;
    for (var j = 0; j < digits.length; j++) bytes[length++] = digits.charCodeAt(j);
    sha256(bytes, length);
    if (H[0] === target[0] && H[1] === target[1] && H[2] === target[2] && H[3] === target[3] &&
        H[4] === target[4] && H[5] === target[5] && H[6] === target[6] && H[7] === target[7]) {
      return n;
    }
  }
  return null;
}

self.onmessage = function (event) {
  var c = event.data;
  if (!c || c.algorithm !== "SHA-256" || !/^[0-9a-f]{64}$/.test(c.challenge)) {
    self.postMessage({ number: null });
    return;
  }
  var max = Math.min(Number(c.maxNumber) || 1000000, 10000000);
  self.postMessage({ number: solve(String(c.salt), c.challenge, max) });
};
