// Steady Steps service worker: web-push reminders. The push carries no data; the
// notification is always the same content-free text, and a tap opens the site.
self.addEventListener("push", function (event) {
  event.waitUntil(self.registration.showNotification("Steady Steps", {
    body: "Something is ready for you.",
    tag: "steady-steps-reminder"
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/"));
});
