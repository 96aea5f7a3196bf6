/* The case page's signing button: NCALayer signs the draft's XML, the page posts it to the decision route. */
"use strict";
(function () {
  var box = document.getElementById("signing");
  if (!box) { return; }
  var button = document.getElementById("sign-button");
  var status = document.getElementById("sign-status");
  function say(text) { status.textContent = text; }

  button.addEventListener("click", function () {
    var layer = new window.NCALayer(box.dataset.ncalayer);
    button.disabled = true;
    say(box.dataset.msgConnecting);
    layer.connect().then(function () {
      say(box.dataset.msgSigning);
      return layer.signXml(document.getElementById("to-sign").value);
    }).then(function (signedXml) {
      layer.close();
      say(box.dataset.msgSending);
      return fetch(box.dataset.post, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf },
        body: JSON.stringify({ draft_id: box.dataset.draft, signed_xml: signedXml })
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok) { say(box.dataset.msgDone); window.location.assign(answer.body.location); return; }
      say(box.dataset.msgRefused + " " + (answer.body.message || ""));
      button.disabled = false;
    }).catch(function (error) {
      layer.close();
      say(error.message === "unreachable" || error.message === "closed" ? box.dataset.msgNoNcalayer
          : (/cancel/i.test(error.message) ? box.dataset.msgCancelled : box.dataset.msgRefused + " " + error.message));
      button.disabled = false;
    });
  });
})();
