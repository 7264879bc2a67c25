// Offers web push on the account page where the browser supports it. Without JavaScript
// (or without PushManager) the button stays hidden and reminders go by e-mail.
(function () {
  var box = document.getElementById("push-offer");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  var key = box.getAttribute("data-key");
  if (!key) return;
  function bytes(b64) {
    var s = atob((b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  box.hidden = false;
  document.getElementById("push-button").addEventListener("click", function () {
    var lang = document.documentElement.lang || "en";
    navigator.serviceWorker.register("/static/push-sw.js?lang=" + encodeURIComponent(lang)).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) });
    }).then(function (sub) {
      var j = sub.toJSON();
      var form = document.getElementById("push-form");
      form.elements.endpoint.value = j.endpoint;
      form.elements.p256dh.value = j.keys.p256dh;
      form.elements.auth.value = j.keys.auth;
      form.submit();
    }).catch(function () {
      document.getElementById("push-status").textContent = box.getAttribute("data-failed");
    });
  });
})();
