// The renderer's entry: zod set up for the CSP (before any module builds a schema), global styles, the Svelte app.
import './lib/zod-csp.ts';
import { mount } from 'svelte';
import './styles.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
