/** `container-trace install-helper` / `uninstall-helper`: as root, or re-run elevated. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeBinary, onTerminal, planElevated } from '../../client/elevation';
import { INSTALL_DIR, LAUNCHER, POLKIT_ACTION, POLKIT_POLICY } from '../../install';
import { installHelper, uninstallHelper } from '../../install/installer';
import { VERSION } from '../../version';
import { elevationFlag, fail, parse } from '../args';

/** install-helper / uninstall-helper: as root, or re-run elevated. */
export async function installCommand(argv: string[], remove: boolean): Promise<void> {
  const { values } = parse(argv, { elevate: { type: 'string' } });
  const mode = elevationFlag(values.elevate);
  const command = remove ? 'uninstall-helper' : 'install-helper';
  if (process.getuid?.() !== 0) {
    if (mode === 'none') fail(`${command} needs root`, 1);
    // The same decision as the helper's; on a terminal sudo asks there itself.
    const plan = onTerminal(planElevated([nodeBinary(), __filename, command], mode));
    process.stderr.write(`running ${command} as root ${plan.how}\n`);
    const r = spawnSync(plan.argv[0], plan.argv.slice(1), { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  if (remove) {
    uninstallHelper();
    process.stdout.write(`removed ${INSTALL_DIR} and ${POLKIT_POLICY}\n`);
    return;
  }
  const packageRoot = path.dirname(path.dirname(__filename));
  const manifest = installHelper({ packageRoot, node: process.execPath, version: VERSION });
  process.stdout.write(
    `installed the helper ${manifest.version} in ${INSTALL_DIR} (${Object.keys(manifest.files).length} files, SHA-256 manifest)\n` +
      `launcher: ${LAUNCHER}\npolkit action: ${POLKIT_ACTION}${fs.existsSync(POLKIT_POLICY) ? ` (${POLKIT_POLICY})` : ' (polkit is not installed: not written)'}\n`,
  );
}

