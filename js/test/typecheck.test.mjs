// `make js` type-checks the browser code with js/convert.d.ts, where Convert's listener
// events and queue commands are typed (Convert's own tracking-types leave event names as
// `any`). These tests show that a misspelt event, command or parameter fails tsc.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const js = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(js, "node_modules", "typescript", "bin", "tsc");

/** tsc's output for a script that pushes `command` onto window._conv_q ("" when it passes). */
function check(command) {
  const dir = mkdtempSync(join(tmpdir(), "dc-typecheck-"));
  try {
    writeFileSync(
      join(dir, "probe.js"),
      `// @ts-check\n/** @type {QueueCommand} */\nvar command = ${command};\n`
    );
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(js, "tsconfig.json"),
        compilerOptions: { baseUrl: js },
        files: [join(js, "globals.d.ts"), join(js, "convert.d.ts"), join(dir, "probe.js")],
        include: [],
      })
    );
    try {
      execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
      return "";
    } catch (error) {
      return String(error.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the commands django-convert pushes type-check", () => {
  assert.equal(check(`{ what: "addListener", params: { event: "snippet.experiences_evaluated", handler: function () {} } }`), "");
  assert.equal(check(`{ what: "identify", params: { visitorId: "abc" } }`), "");
  assert.equal(check(`{ what: "run", params: { resetData: true } }`), "");
});

test("a misspelt event name fails", () => {
  const output = check(`{ what: "addListener", params: { event: "snippet.experience_evaluated", handler: function () {} } }`);
  assert.match(output, /snippet\.experience_evaluated.*not assignable/);
  assert.match(output, /Did you mean '"snippet\.experiences_evaluated"'/);
});

test("a misspelt command or parameter fails", () => {
  assert.match(check(`{ what: "identfy", params: { visitorId: "abc" } }`), /error TS/);
  assert.match(check(`{ what: "consentRequired", params: { runExperience: true } }`), /error TS/);
});
