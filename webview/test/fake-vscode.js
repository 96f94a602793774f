/* global window, document, sessionStorage -- runs in the harness page */
// Stands in for VS Code in the harness: records what the webview posts and
// keeps its state in sessionStorage so a reload restores it (as VS Code does).
(() => {
  const KEY = 'lifecycle-lens-webview-state';
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
  let state = null;
  try {
    state = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    state = null;
  }
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => {
        state = s;
        sessionStorage.setItem(KEY, JSON.stringify(s));
      },
    };
  };
})();
