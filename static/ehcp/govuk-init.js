// Starts GOV.UK Frontend's components (loaded as a module by templates/portal/base.html;
// an inline module script would need the CSP to allow inline script).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
