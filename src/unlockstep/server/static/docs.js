// Starts the bundled Swagger UI on /docs. A file of its own rather than an inline script,
// so the page's Content-Security-Policy can allow this server's scripts only.
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: holder.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
