/**
 * The desktop app's native menu names actions (`app.menuCommand`); the page performs them, the
 * same way as its toolbar and keyboard shortcuts. The web host never sends these.
 */
import { useEffect } from 'react';
import type { MenuCommand } from '../../../common/api/contract.js';
import { useApi, useAppStoreApi } from '../store/context.js';

export function useMenuCommands(): void {
  const api = useApi();
  const store = useAppStoreApi();
  useEffect(
    () =>
      api.on('app.menuCommand', ({ command }) => {
        const s = store.getState();
        const actions: Record<MenuCommand, () => unknown> = {
          'workflow.new': () => s.newWorkflow(),
          'workflow.open': () => s.openWorkflowDialog(),
          'workflow.save': () => s.saveWorkflow(),
          'workflow.saveAs': () => s.saveWorkflow({ saveAs: true }),
          'project.open': () => s.openProjectDialog(),
          'edit.undo': () => s.undo(),
          'edit.redo': () => s.redo(),
          // The editor's canvas answers (features/editor/Editor.tsx); this hook lives outside it.
          'view.fit': () => s.requestFit(),
          'run.start': () => s.startRun(),
          'run.cancel': () => s.cancelRun(),
          'run.rerun': () => s.rerunLast(),
        };
        void actions[command]();
      }),
    [api, store],
  );
}
