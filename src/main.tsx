import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { debugHooks, initLab } from './state/lab';
import { startExplorer } from './state/explorer';
import { startLayerChecks } from './state/layerChecks';
import { initCompare } from './state/labCheckpoint';
import './ui/styles.css';

declare global {
  interface Window {
    /** Hooks for browser tests: simulate a lost GPU device or a crashed worker. */
    __distillLab?: typeof debugHooks;
  }
}

initLab();
startLayerChecks();
startExplorer();
initCompare();
window.__distillLab = debugHooks;

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
