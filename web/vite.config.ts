import { defineConfig } from 'vite';

// The console is served by `punktfunk-host web serve` from dist/ under a strict
// Content-Security-Policy: one external module script and one stylesheet.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    assetsInlineLimit: 0,
    // No modulepreload polyfill: every browser the console supports has it.
    modulePreload: { polyfill: false },
  },
});
