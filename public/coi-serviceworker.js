// Cross-origin isolation for static hosts that cannot send headers (GitHub Pages and the like).
// The wasm backend's threads need SharedArrayBuffer, which a browser gives only to a page served
// with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`
// (`npm start`, `vite preview` and a configured server send both: docs/ARCHITECTURE.md §6).
//
// This one file is two things. Loaded by index.html as a script, it registers itself as the
// page's service worker when the page is not isolated and service workers exist, and reloads the
// page once that worker controls it. Run as that service worker, it answers the page's same-origin
// requests with the network's responses plus the two headers. Where isolation still fails (a
// browser without these headers, a private window without service workers) the page stays as it
// is: the lab then trains with one wasm thread.
/* eslint-disable no-restricted-globals */
if (typeof window === 'undefined') {
  const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

  self.addEventListener('install', () => self.skipWaiting());
  self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

  self.addEventListener('fetch', (event) => {
    const request = event.request;
    // Other origins pass untouched (the lab loads nothing from them); so does a request the browser
    // may only answer from its cache.
    if (new URL(request.url).origin !== self.location.origin) return;
    if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
    event.respondWith(
      fetch(request).then((response) => {
        if (response.status === 0) return response;
        const headers = new Headers(response.headers);
        for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      }),
    );
  });
} else {
  (() => {
    const RELOADED = 'distillation-lab.coi-reloaded';
    if (window.crossOriginIsolated) {
      try {
        sessionStorage.removeItem(RELOADED);
      } catch {
        // storage blocked: nothing was stored either
      }
      return;
    }
    // Nothing to register with (plain http from another host, a browser without service workers).
    if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
    const container = navigator.serviceWorker;
    const reloadOnce = () => {
      // Once per tab session: a reload that did not isolate the page is not tried again.
      try {
        if (sessionStorage.getItem(RELOADED)) return;
        sessionStorage.setItem(RELOADED, '1');
      } catch {
        return;
      }
      window.location.reload();
    };
    const script = document.currentScript && document.currentScript.src;
    if (!script) return;
    container.addEventListener('controllerchange', reloadOnce);
    container.register(script).then(
      (registration) => {
        // Controlled by this worker already but not isolated: the page came from before it took over.
        if (registration.active && container.controller) reloadOnce();
      },
      (error) => console.warn(`Cross-origin isolation: the service worker did not register (${error}); wasm trains on one thread.`),
    );
  })();
}
