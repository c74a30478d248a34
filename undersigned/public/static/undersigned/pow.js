// Proof-of-work for the sign form (ALTCHA protocol, SHA-256), solved in a Web Worker.
// The page is cached and shared, so it carries no challenge: we fetch a fresh one from
// our own origin. Without JavaScript, or if anything here fails, the form still submits
// as before; the server then applies its stricter no-JavaScript limits.
(function () {
  "use strict";
  if (!window.Worker || !window.fetch || !window.crypto || !crypto.subtle) return;
  var script = document.currentScript || document.querySelector("script[src*='pow.js']");
  var workerUrl = script.src.replace(/pow\.js(\?.*)?$/, "pow-worker.js");
  var forms = document.querySelectorAll("form[data-pow]");
  for (var i = 0; i < forms.length; i++) protect(forms[i]);

  // Each form gets its own challenge: a solution is accepted once.
  function protect(form) {
    var field = form.querySelector("input[name$=altcha]");
    var status = form.querySelector(".pow-status");
    if (!field) return;
    var done = false, waiting = false;

    function finish() {
      done = true;
      if (waiting) { waiting = false; form.submit(); }
    }

    fetch(form.getAttribute("data-pow"), { credentials: "omit", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("challenge " + r.status); return r.json(); })
      .then(function (challenge) {
        var worker = new Worker(workerUrl);
        worker.onmessage = function (event) {
          if (event.data && typeof event.data.number === "number") {
            field.value = btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: event.data.number,
              salt: challenge.salt,
              signature: challenge.signature
            }));
          }
          worker.terminate();
          finish();
        };
        worker.onerror = function () { worker.terminate(); finish(); };
        worker.postMessage(challenge);
      })
      .catch(finish);

    form.addEventListener("submit", function (event) {
      if (done) return;
      // Still solving: wait for it (at most 20 seconds), then send the form ourselves.
      event.preventDefault();
      waiting = true;
      if (status) { status.textContent = status.getAttribute("data-working"); status.hidden = false; }
      setTimeout(function () { if (waiting) { waiting = false; form.submit(); } }, 20000);
    });
  }
})();
