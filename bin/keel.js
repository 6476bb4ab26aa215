#!/usr/bin/env node
// Published entry point: the compiled CLI. In the repository, `npm run keel` runs the sources directly.
import '../dist/cli/main.js';
