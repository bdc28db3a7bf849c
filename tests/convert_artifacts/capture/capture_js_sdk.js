// Drive Convert's JS SDK (@convertcom/js-sdk, from npm) against a loopback capture server.
//
// Usage: [SDK_SECRET=...] [SDK_ENVIRONMENT=...] node capture_js_sdk.js PORT
// Requires capture_server.py listening on 127.0.0.1:PORT (plain HTTP) and serving one of the
// configs under ../configs/. Resolve the SDK with NODE_PATH pointing at a node_modules that
// holds @convertcom/js-sdk (npm install --legacy-peer-deps @convertcom/js-sdk@4.4.3).
//
// Only the two endpoint options are changed from the SDK's defaults (plus sdkKeySecret and
// environment when given; with a secret, only the config request and bucketing are run).
// Each step waits for the SDK's own queue release (events.release_interval, default 1000 ms),
// so every step shows up as its own POST. GET /marker/<step> requests separate the steps.
const ConvertSDK = require('@convertcom/js-sdk').default;

const port = process.argv[2];
const secret = process.env.SDK_SECRET;
const environment = process.env.SDK_ENVIRONMENT;
const base = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const step = (name) => fetch(`${base}/marker/${name}`).catch(() => {});

async function main() {
  const config = {
    sdkKey: '10035569/10034190',
    api: {endpoint: {config: `${base}/api/v1/`, track: `${base}/v1/`}},
    logger: {logLevel: 4} // errors only
  };
  if (secret) config.sdkKeySecret = secret;
  if (environment) config.environment = environment;
  const sdk = new ConvertSDK(config);
  await sdk.onReady();

  const ctx = sdk.createContext('visitor-golden-1');
  await step('bucketing');
  const variation = ctx.runExperience('test-experience-ab-fullstack-4', {
    locationProperties: {location: 'pricing'}
  });
  console.error('bucketed into', variation && variation.id);
  await sleep(1600);
  if (secret) return process.exit(0);

  await step('conversion-no-revenue');
  ctx.trackConversion('increase-engagement');
  await sleep(1600);

  await step('conversion-with-revenue');
  ctx.trackConversion('button-primary-click', {
    conversionData: [
      {key: 'amount', value: 10.3},
      {key: 'productsCount', value: 2},
      {key: 'transactionId', value: 'txn-1001'}
    ]
  });
  await sleep(1600);

  await step('conversion-repeat-same-goal');
  ctx.trackConversion('increase-engagement');
  await sleep(1600);

  await step('revenue-force-multiple');
  ctx.trackConversion('button-primary-click', {
    conversionData: [
      {key: 'amount', value: 5},
      {key: 'productsCount', value: 1},
      {key: 'transactionId', value: 'txn-1002'}
    ],
    conversionSetting: {forceMultipleTransactions: true}
  });
  await sleep(1600);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
