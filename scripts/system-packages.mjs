// The system tools of scripts/system-packages.txt: which are missing, and what to do about
// it. Node built-ins only: this runs before `npm ci` on a fresh clone.
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** @returns {{ command: string, pkg: string, neededBy: string[], why: string }[]} */
export function readToolList(file = new URL('./system-packages.txt', import.meta.url)) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [command, pkg, neededBy, ...why] = line.split(/\s+/);
      return { command, pkg, neededBy: neededBy.split(','), why: why.join(' ') };
    });
}

/** Like `command -v`: an executable of that name on PATH. */
export function onPath(command, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What to do about the tools `purpose` (start or test) needs: nothing, install them (as
 * root with apt-get), or stop with the one command that installs them.
 */
export function toolPlan({ tools, purpose, path, isRoot, hasApt }) {
  const missing = tools.filter((t) => t.neededBy.includes(purpose) && !onPath(t.command, path));
  if (missing.length === 0) return { action: 'none', missing };
  const packages = [...new Set(missing.map((t) => t.pkg))];
  const names = missing.map((t) => `${t.command} for ${t.why}`).join(', ');
  if (isRoot && hasApt)
    return { action: 'install', missing, packages, message: `ensure-ready: installing what npm ${purpose} needs and this machine lacks: ${names}` };
  const command = `${isRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  return {
    action: 'stop',
    missing,
    packages,
    message: `ensure-ready: npm ${purpose} needs ${names}, which this machine lacks${hasApt ? '' : ' (and apt-get is not here to install them)'}. Install them, then run it again:\n\n  ${command}\n`,
  };
}
