/* NCALayer's WebSocket protocol (the signing application of Kazakhstan's National Certification Authority).
   On connect NCALayer sends {"result": {"version": ...}}; a request is
   {"module": "kz.gov.pki.knca.commonUtils", "method": "signXml", "args": [storage, keyType, xml, tbsXPath, parentXPath]}
   and its answer {"code": "200", "responseObject": <signed XML>} or {"code": "500", "message": ...}. */
"use strict";
window.NCALayer = (function () {
  function NCALayer(url) { this.url = url; this.socket = null; }

  NCALayer.prototype.connect = function () {
    var self = this;
    return new Promise(function (resolve, reject) {
      var socket;
      try { socket = new WebSocket(self.url); } catch (e) { reject(new Error("unreachable")); return; }
      self.socket = socket;
      socket.onerror = function () { reject(new Error("unreachable")); };
      socket.onclose = function () { reject(new Error("closed")); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }  /* heartbeats and the like */
        if (message.result && message.result.version) { resolve(message.result.version); }
        else { reject(new Error("protocol")); }
      };
    });
  };

  NCALayer.prototype.request = function (method, args) {
    var socket = this.socket;
    return new Promise(function (resolve, reject) {
      socket.onerror = function () { reject(new Error("unreachable")); };
      socket.onclose = function () { reject(new Error("closed")); };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.code === "200") { resolve(message.responseObject); }
        else { var error = new Error(message.message || "refused"); error.code = message.code; reject(error); }
      };
      socket.send(JSON.stringify({ module: "kz.gov.pki.knca.commonUtils", method: method, args: args }));
    });
  };

  /* The XML signed (XMLDSig, enveloped) with the key the official chooses in NCALayer (a PKCS#12 file). */
  NCALayer.prototype.signXml = function (xml) {
    return this.request("signXml", ["PKCS12", "SIGNATURE", xml, "", ""]);
  };

  NCALayer.prototype.close = function () { if (this.socket) { this.socket.onclose = null; this.socket.close(); } };
  return NCALayer;
})();
