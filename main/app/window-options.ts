// The main window's options, kept apart from the code that opens it so a test can check them without Electron.
// (Typed by inference: electron's types are absent where its optional install failed; new BrowserWindow checks them.)
export function windowOptions(preload: string) {
  return {
    title: 'TaughtNet Workbench',
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    backgroundColor: '#f6f7f9',
    show: false, // shown once the first frame is ready, so no white flash
    webPreferences: {
      preload,
      // The renderer is a web page with no Node: it reaches the main process only through the preload's API.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}
