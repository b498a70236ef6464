#!/usr/bin/env node
// Runs Azurite (arguments passed through) and stops it when its parent process is gone,
// even when the parent was killed with SIGKILL and could not stop it: the local runtime,
// the demo and the tests never leave an Azurite behind.
"use strict";
const parent = process.ppid;
const entry = require.resolve("azurite/dist/src/azurite.js");
process.argv = [process.argv[0], entry, ...process.argv.slice(2)];
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
require(entry);
