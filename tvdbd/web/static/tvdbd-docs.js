// Starts Swagger UI on this server's /openapi.json and wires the "JWT Token" field at the top:
// "Add Token" makes every "Try it out" request send `Authorization: Bearer <token>`.
(function () {
  "use strict";

  var field = document.getElementById("jwt-token");
  var status = document.getElementById("token-status");

  function isLogin(url) {
    try {
      return /\/login$/.test(new URL(url, document.baseURI).pathname);
    } catch (error) {
      return false;
    }
  }

  var ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    // The default shows a badge fetched from an outside validator: this page stays offline.
    validatorUrl: null,
    displayRequestDuration: true,
    responseInterceptor: function (response) {
      // A successful login fills the field in; the user still presses "Add Token".
      if (response.ok && isLogin(response.url) && response.body && response.body.token) {
        field.value = response.body.token;
        status.textContent = "Token received from /login: press Add Token.";
      }
      return response;
    },
  });
  window.ui = ui;

  document.getElementById("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    // Accept the token as pasted: with quotes from the JSON, or with a "Bearer " prefix.
    var token = field.value.trim().replace(/^"|"$/g, "").replace(/^bearer\s+/i, "");
    if (!token) {
      ui.authActions.logout(["bearerAuth"]);
      status.textContent = "Token removed.";
      return;
    }
    ui.preauthorizeApiKey("bearerAuth", token);
    status.textContent = "Token added: requests now send it as Authorization: Bearer.";
  });
})();
