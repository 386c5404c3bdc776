// The Restart button of the "Session ended" dialog: a new session (a new app process).
window.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("restart");
  if (button) {
    button.addEventListener("click", function () {
      window.location.assign(window.location.pathname);
    });
  }
});
