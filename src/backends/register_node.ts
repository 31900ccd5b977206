/**
 * The backends Node adds to the platform-free registry: the native engine and the WebAssembly
 * engine on Node's platform. Importing this module is the registration (Node's runner and the Node
 * entry import it); registering loads nothing.
 */
import './native/register.js';
import './wasm/register_node.js';
