/**
 * The one policy for tests that need the native engine: when it did not load they skip, with the
 * reason in the test output (how to build it is in the README). CI does not rely on these skips to
 * notice a broken build: `.ci/run` checks that the engine loads before it runs the tests. Importing
 * this helper registers the native backend, as Node's runner does (the registry itself is
 * platform-free).
 */
import '../../src/backends/register_node.js';
import { nativeAddon, nativeStatus } from '../../src/backends/native/addon.js';

export const NATIVE_SKIP: string | false =
  nativeAddon() === null
    ? `native engine unavailable (${nativeStatus().reason}); build it with npm install (needs g++ and make)`
    : false;
