import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is served from http://127.0.0.1:<port>/ by the web host and from app:// by Electron:
// `base: './'` keeps every asset path relative so the same build works under both.
// (No node:* imports here: ESLint treats everything under renderer/ as browser code.)
const rootUrl = new URL('.', import.meta.url);
const root = decodeURIComponent(rootUrl.pathname).replace(/^\/([A-Za-z]:\/)/, '$1');

/** Vite marks module scripts `crossorigin`; under a custom app:// scheme that forces a CORS check we don't need. */
function stripCrossorigin(): Plugin {
  return {
    name: 'baton-strip-crossorigin',
    enforce: 'post',
    transformIndexHtml: (html) => html.replace(/\s+crossorigin(?=[\s>])/g, ''),
  };
}

/**
 * main.tsx loads the app's chunk (start-app.tsx) with import() after it has sent the first request;
 * a modulepreload link in index.html lets the browser fetch that chunk and its imports in parallel
 * with main.tsx's own, instead of after it.
 */
function preloadAppChunk(): Plugin {
  return {
    name: 'baton-preload-app-chunk',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const app = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && /[\\/]src[\\/]start-app\.tsx$/.test(c.facadeModuleId ?? ''),
        );
        if (!app || app.type !== 'chunk') return html;
        return {
          html,
          tags: [app.fileName, ...app.imports.filter((f) => !html.includes(f))].map((f) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', href: `./${f}` },
            injectTo: 'head' as const,
          })),
        };
      },
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), preloadAppChunk(), stripCrossorigin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
  },
  server: { host: '127.0.0.1' },
});
