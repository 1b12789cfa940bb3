// Starts GOV.UK Frontend's components (conditional radios, error summary focus, the menu).
// Its module checks for the `govuk-frontend-supported` class the page template sets.
import { initAll } from '/static/dist/govuk-frontend.min.js'

initAll()
