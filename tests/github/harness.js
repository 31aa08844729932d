// Runs one actions/github-script `script` as that action does (an async function body given
// require, github, context and core), with a `github` client that records every call and
// answers from canned responses.
//
// stdin (JSON):  {script, env, context, responses: {"issues.listComments": DATA, ...}}
//                DATA is what the script sees as `data` (for github.paginate, the item list);
//                {"__status": 404} makes the call throw an HTTP error with that status.
// stdout (JSON): {calls: [{method, params}], outputs, failed, summary, logs}
'use strict';
const fs = require('fs');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
Object.assign(process.env, input.env || {});

const calls = [];
const outputs = {};
const logs = [];
let failed = null;
let summary = '';

function endpoint(name) {
  const call = async (params) => {
    calls.push({ method: name, params });
    const canned = (input.responses || {})[name];
    if (canned && canned.__status) {
      const error = new Error(`HTTP ${canned.__status}`);
      error.status = canned.__status;
      throw error;
    }
    return { data: canned === undefined ? {} : canned };
  };
  call.endpointName = name;
  return call;
}

const rest = new Proxy({}, {
  get: (_, namespace) => new Proxy({}, { get: (__, method) => endpoint(`${namespace}.${method}`) }),
});
const github = {
  rest,
  paginate: async (method, params) => (await method(params)).data,
};

const chain = {
  addRaw(text) { summary += text; return chain; },
  async write() { return chain; },
};
const core = {
  setOutput: (name, value) => { outputs[name] = value; },
  setFailed: (message) => { failed = String(message); },
  info: (message) => logs.push(String(message)),
  notice: (message) => logs.push(String(message)),
  warning: (message) => logs.push(String(message)),
  error: (message) => logs.push(String(message)),
  summary: chain,
};

const AsyncFunction = (async () => {}).constructor;
const run = new AsyncFunction('require', 'github', 'context', 'core', input.script);
run(require, github, input.context, core)
  .catch((error) => { failed = `uncaught: ${error && error.stack ? error.stack : error}`; })
  .then(() => {
    process.stdout.write(JSON.stringify({ calls, outputs, failed, summary, logs }));
  });
