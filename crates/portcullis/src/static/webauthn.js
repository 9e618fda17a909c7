// portcullis: WebAuthn in the pages. No framework, no CDN.
// 1. wan_ceremony.html: run the ceremony for the page's form — the options come from the server
//    as PublicKeyCredential*OptionsJSON; the answer goes back as toJSON() text in `credential`.
// 2. login.html: offer passkeys in the identity field's autofill (conditional mediation).
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

(function () {
  const start = document.getElementById("pc-passkey-form");
  if (!start || !window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable) return;
  const url = start.dataset.pcConditional;
  const token = start.elements.csrf_token.value;

  function post(action, fields) {
    const f = document.createElement("form");
    f.method = "post";
    f.action = action;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      f.appendChild(input);
    }
    document.body.appendChild(f);
    f.submit();
  }

  (async function () {
    if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    headers[start.dataset.pcCsrfHeader] = token;
    const r = await fetch(url, { method: "POST", headers, body: "{}", credentials: "same-origin" });
    if (!r.ok) return;
    const body = (await r.json()).response;
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(body.credential_options);
    start.dataset.pcConditionalState = "waiting";
    const credential = await navigator.credentials.get({ publicKey, mediation: "conditional" });
    post(url + "/" + body.wan_state, {
      csrf_token: token,
      credential: JSON.stringify(credential.toJSON()),
    });
  })().catch(function () {
    start.dataset.pcConditionalState = "unavailable";
  });
})();
