import * as path from 'node:path';

declare const __CT_REPO_ROOT__: string;
/** Repository root (set by the test bundler). */
export const REPO = __CT_REPO_ROOT__;
export const CLI = path.join(REPO, 'bin', 'container-trace');
export const BPF_DIR = path.join(REPO, 'dist', 'bpf');
