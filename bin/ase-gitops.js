#!/usr/bin/env node
// Entry point of the `ase-gitops` command: the compiled CLI (npm install builds it).
import { main } from "../dist/shared/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
