// GOV.UK Frontend's page template sets these classes from an inline script; the web app's
// Content-Security-Policy allows no inline script, so templates/web/base.html loads this
// file (synchronously, first thing in <body>) instead. Same effect: `js-enabled`, and
// `govuk-frontend-supported` where the browser runs ES modules.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
