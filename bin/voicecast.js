#!/usr/bin/env node
// The CLI runs the compiled code (npm start and npm test build it; `npm run build` otherwise).
require("../dist/src/cli.js");
