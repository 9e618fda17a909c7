// portcullis: run a WebAuthn ceremony for the page's form (wan_ceremony.html). The options come
// from the server as PublicKeyCredential*OptionsJSON; the answer goes back as toJSON() text in
// the form's `credential` field. No framework, no CDN.
"use strict";
(function () {
  const form = document.getElementById("pc-wan-form");
  if (!form) return;
  const failed = document.getElementById("pc-wan-failed");
  const retry = document.getElementById("pc-wan-retry");
  const options = JSON.parse(form.dataset.pcOptions);
  const create = form.dataset.pcCeremony === "create";

  async function run() {
    failed.hidden = true;
    try {
      const publicKey = create
        ? PublicKeyCredential.parseCreationOptionsFromJSON(options)
        : PublicKeyCredential.parseRequestOptionsFromJSON(options);
      const credential = create
        ? await navigator.credentials.create({ publicKey })
        : await navigator.credentials.get({ publicKey });
      form.elements.credential.value = JSON.stringify(credential.toJSON());
      form.submit();
    } catch (e) {
      failed.hidden = false;
      retry.focus();
    }
  }
  retry.addEventListener("click", run);
  run();
})();
