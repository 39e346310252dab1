// Preloaded (node --import) into the fuzzing process: Jazzer.js's native
// addon is loaded from the patched copy that scripts/fuzz.mjs made.
import Module from 'node:module';

const patched = process.env.CT_JAZZER_ADDON;
const load = Module._extensions['.node'];
Module._extensions['.node'] = (module, filename) =>
  load(module, patched && /@jazzer\.js[\\/]fuzzer[\\/]prebuilds[\\/]/.test(filename) ? patched : filename);
