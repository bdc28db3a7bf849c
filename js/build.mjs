// Minify django_convert/browser/js/*.js into django_convert/browser/js/dist/*.min.js with terser.
//   node build.mjs          write the minified files (commit them: the tags inline them)
//   node build.mjs --check  exit 1 when a committed file is not what terser makes now (CI)
// The output only depends on the sources and the terser version pinned in package-lock.json.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { minify } from "terser";

const here = dirname(fileURLToPath(import.meta.url));
const sources = join(here, "..", "django_convert", "browser", "js");
const dist = join(sources, "dist");
// identify and listener are inlined in every page; a consent-<platform> adapter only where
// CONSENT["PLATFORM"] names it.
const NAMES = [
  "identify",
  "listener",
  "forward-ids",
  ...["cookiebot", "onetrust", "usercentrics", "didomi", "tcf", "gcm"].map((p) => `consent-${p}`),
];
// DJANGO_CONVERT_* are globals to terser (never renamed): the tags put the settings there.
const OPTIONS = {
  ecma: 5,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
};

const check = process.argv.includes("--check");
let stale = 0;
mkdirSync(dist, { recursive: true });
for (const name of NAMES) {
  const source = readFileSync(join(sources, `${name}.js`), "utf8");
  const { code } = await minify(source, OPTIONS);
  const target = join(dist, `${name}.min.js`);
  const output = code + "\n";
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(target, "utf8");
    } catch {}
    if (committed !== output) {
      console.error(`${target} is stale: run \`npm run build --prefix js\` and commit it.`);
      stale += 1;
    }
  } else {
    writeFileSync(target, output);
    console.log(`${target}: ${Buffer.byteLength(output)} bytes`);
  }
}
process.exit(stale ? 1 : 0);
