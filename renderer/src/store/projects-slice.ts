/** The projects slice: MLflow project folders opened in the project panel (and by loaded workflows). */
import { normalizePath } from '../lib/paths.js';
import type { ProjectsActions, ProjectsState, SliceCreator } from './types.js';

export const createProjectsSlice: SliceCreator<ProjectsState & ProjectsActions> = (set, get, api) => ({
  projects: {},
  projectOrder: [],

  async openProject(dirIn) {
    const dir = normalizePath(dirIn);
    const existing = get().projects[dir];
    if (existing?.status === 'ready') return existing.project;
    if (existing?.status === 'loading') return null;
    set((s) => ({
      projects: { ...s.projects, [dir]: { dir, status: 'loading', project: null, error: null } },
      projectOrder: s.projectOrder.includes(dir) ? s.projectOrder : [...s.projectOrder, dir],
    }));
    const r = await api.call('projects.open', { path: dir });
    if (!r.ok) {
      set((s) => ({ projects: { ...s.projects, [dir]: { dir, status: 'error', project: null, error: r.error.message } } }));
      return null;
    }
    const project = r.value;
    // Kept under the folder as asked for (not the engine's resolved one), so steps that name it find it.
    set((s) => ({ projects: { ...s.projects, [dir]: { dir, status: 'ready', project, error: null } } }));
    return project;
  },

  closeProject(dir) {
    set((s) => {
      const { [dir]: _gone, ...projects } = s.projects;
      return { projects, projectOrder: s.projectOrder.filter((d) => d !== dir) };
    });
  },
});
