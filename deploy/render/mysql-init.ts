import type { RenderedFile } from './rendered-file';

// Placeholder while the renderer lands (issue 16); replaced in this change.
export function renderMysqlInit(): RenderedFile[] {
  return [];
}
