// Start Swagger UI on /api/v1/docs with the spec URL and options the page carries as data attributes.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config") || "{}");
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.addEventListener("load", function () {
    window.ui = window.SwaggerUIBundle(config);
  });
})();
