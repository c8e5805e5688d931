/* e-Kinerja day page: "Use my location" fills the latitude and longitude from the
   device and, when it is blank, the start time from the clock. Without JavaScript the
   button stays hidden and the typed fields work the same. No library, nothing sent
   anywhere: the values only go into the form. */
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator)) {
    return;
  }
  var status = document.getElementById("location-status");
  var latitude = document.getElementById("latitude");
  var longitude = document.getElementById("longitude");
  var started = document.getElementById("started_at");

  function two(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    say(button.getAttribute("data-waiting"));
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        if (started && !started.value) {
          var now = new Date();
          started.value = two(now.getHours()) + ":" + two(now.getMinutes());
        }
        var metres = String(Math.round(position.coords.accuracy));
        say(button.getAttribute("data-done").replace("{metres}", metres));
        button.disabled = false;
      },
      function () {
        say(button.getAttribute("data-failed"));
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
})();
