// Starts Swagger UI on the API docs page (a file of its own: the CSP allows no inline script).
// "Try it out" runs as the signed-in browser, so unsafe requests carry the CSRF token.
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.getElementById("swagger-ui");
    if (!target || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: target.getAttribute("data-schema-url"),
      dom_id: "#swagger-ui",
      // No links inside the operations' toggle buttons (axe: nested-interactive, target size).
      deepLinking: false,
      validatorUrl: null,
      requestInterceptor: function (request) {
        if (request.method && request.method.toUpperCase() !== "GET") {
          request.headers["X-CSRFToken"] = csrfToken();
        }
        return request;
      },
    });
  });
})();
