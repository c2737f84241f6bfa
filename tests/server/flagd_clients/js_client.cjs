// A real flagd in-process provider (npm @openfeature/flagd-provider with
// @openfeature/server-sdk), driven by a test:
//
//     node js_client.cjs NODE_PREFIX HOST PORT SELECTOR
//
// NODE_PREFIX is where `npm install --prefix` put the packages (bench/.cache/flagd-js).
// Prints {"ready": true} once the provider has its first configuration, then answers each
// line of stdin ({"cases": [[key, kind, default, targetingKey, attributes], ...]}) with one
// line: every evaluation's value, variant, reason and error code, and the events seen.
'use strict';
const path = require('path');
const readline = require('readline');
const [, , prefix, host, port, selector] = process.argv;
const load = require('module').createRequire(path.join(path.resolve(prefix), 'index.js'));
const { OpenFeature, ProviderEvents } = load('@openfeature/server-sdk');
const { FlagdProvider } = load('@openfeature/flagd-provider');

const METHODS = {
  boolean: 'getBooleanDetails',
  string: 'getStringDetails',
  integer: 'getNumberDetails',
  float: 'getNumberDetails',
  object: 'getObjectDetails',
};

async function main() {
  const events = [];
  for (const event of [
    ProviderEvents.Ready,
    ProviderEvents.ConfigurationChanged,
    ProviderEvents.Stale,
    ProviderEvents.Error,
  ]) {
    OpenFeature.addHandler(event, () => events.push(event));
  }
  const provider = new FlagdProvider({
    resolverType: 'in-process',
    host,
    port: Number(port),
    selector,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 500,
  });
  await OpenFeature.setProviderAndWait(provider);
  const client = OpenFeature.getClient();
  console.log(JSON.stringify({ ready: true }));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = JSON.parse(line);
    const results = [];
    for (const [key, kind, fallback, targetingKey, attributes] of command.cases) {
      const context = { ...attributes };
      if (targetingKey !== null) context.targetingKey = targetingKey;
      const details = await client[METHODS[kind]](key, fallback, context);
      results.push({
        value: details.value === undefined ? null : details.value,
        variant: details.variant === undefined ? null : details.variant,
        reason: details.reason === undefined ? null : details.reason,
        error: details.errorCode === undefined ? null : details.errorCode,
      });
    }
    console.log(JSON.stringify({ results, events }));
  }
  await OpenFeature.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
