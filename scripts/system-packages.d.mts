// Types of system-packages.mjs (plain JavaScript: it runs before npm ci on a fresh clone).
export interface Tool {
  command: string;
  pkg: string;
  neededBy: string[];
  why: string;
}
export interface ToolPlan {
  action: 'none' | 'install' | 'stop';
  missing: Tool[];
  packages?: string[];
  message?: string;
}
export function readToolList(file?: URL | string): Tool[];
export function onPath(command: string, path?: string): boolean;
export function toolPlan(options: { tools: Tool[]; purpose: string; path: string; isRoot: boolean; hasApt: boolean }): ToolPlan;
