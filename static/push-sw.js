// Steady Steps service worker: web-push reminders. The push carries no data; the
// notification is always the same content-free text, in the language the patient's pages
// were in when notifications were turned on (push.js registers this file with ?lang=),
// and a tap opens the site. TEXT must match the catalogue (tests/reminders/test_push_words.py).
var TEXT = {
  "en": "Something is ready for you.",
  "es": "Tienes algo listo."
};
var lang = new URL(self.location.href).searchParams.get("lang") || "en";
var body = TEXT[lang] || TEXT[lang.split("-")[0]] || TEXT.en;
self.addEventListener("push", function (event) {
  event.waitUntil(self.registration.showNotification("Steady Steps", {
    body: body,
    lang: TEXT[lang] ? lang : "en",
    tag: "steady-steps-reminder"
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/"));
});
