#!/usr/bin/env node
// `npm start`: builds the app when its sources changed and opens it in Electron, or says what is missing.
// Runs the TypeScript launcher through tsx, like the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./launch.ts');
