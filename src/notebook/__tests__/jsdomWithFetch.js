/**
 * jsdom, plus Node's fetch, streams and encoders: for specs that load
 * JupyterLab's notebook packages (they need a DOM) and run the SDK's real
 * stream parser on a scripted fetch (it needs Response and ReadableStream,
 * which jsdom lacks).
 */
const JSDOMEnvironment =
  require('jest-environment-jsdom').default ??
  require('jest-environment-jsdom');

class JsdomWithFetch extends JSDOMEnvironment {
  async setup() {
    await super.setup();
    for (const name of [
      'fetch',
      'Response',
      'Request',
      'Headers',
      'ReadableStream',
      'TextEncoder',
      'TextDecoder',
      'TextDecoderStream'
    ]) {
      if (globalThis[name] !== undefined) {
        this.global[name] = globalThis[name];
      }
    }
  }
}

module.exports = JsdomWithFetch;
